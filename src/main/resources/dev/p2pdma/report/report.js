// p2pdma report: folds the tree, recolours it for the chosen provider, draws paths, searches, and
// shows every matrix cell from the data blob. Plain DOM, no libraries, no network.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('p2pdma-data').textContent);
  var SVGNS = 'http://www.w3.org/2000/svg';
  var L = data.layout;
  var NAMES = { B: 'BUS_ADDR', H: 'THRU_HOST_BRIDGE', X: 'NOT_SUPPORTED' };
  var nodes = data.nodes;
  var N = nodes.length;
  var svg = document.getElementById('tree');
  var groupsLayer = document.getElementById('groups');
  var routeLayer = document.getElementById('route');
  var select = document.getElementById('provider');
  var search = document.getElementById('search');
  var searchStatus = document.getElementById('search-status');
  var detailsBody = document.getElementById('details-body');
  var el = [], edge = [], kids = [], hidden = new Uint8Array(N), collapsed = new Uint8Array(N), pos = new Int32Array(N);
  var baseLabel = [], haystack = [], byKey = {}, epByKey = {};
  var provider = -1, focusRowIndex = 0, hits = [], hitCursor = -1, route = null, rowCache = {}, rtCache = {};

  for (var r = 0; r < N; r++) {
    kids.push([]);
  }
  for (r = 0; r < N; r++) {
    var n = nodes[r];
    if (n.parent >= 0) {
      kids[n.parent].push(r);
    }
    el.push(document.getElementById('n' + r));
    edge.push(document.getElementById('e' + r));
    baseLabel.push(el[r].getAttribute('aria-label') || '');
    haystack.push((n.key + ' ' + n.ids + ' ' + n.name + ' ' + n.detail).toLowerCase());
    byKey[n.key] = r;
    if (n.ep >= 0) {
      epByKey[n.key] = n.ep;
    }
  }

  function X(depth) { return L.left + depth * L.indent; }
  function Y(row) { return L.top + row * L.row; }

  // ---- the matrix cells, decoded from the blob ----
  function decodeRow(p) {
    var c = rowCache[p];
    if (c) {
      return c;
    }
    var letters = [], dists = [], sets = [];
    data.cells[p].split(',').forEach(function (run) {
      var m = /^([A-Z])(-?\d+)\.(\d+)\*(\d+)$/.exec(run);
      if (!m) {
        throw new Error('bad cell run ' + run);
      }
      for (var k = 0; k < +m[4]; k++) {
        letters.push(m[1]);
        dists.push(+m[2]);
        sets.push(+m[3]);
      }
    });
    c = { letters: letters, dists: dists, sets: sets };
    rowCache[p] = c;
    return c;
  }

  // the runtimes' lines of one cell, decoded from the blob's run-length-coded sets
  function runtimesOf(p, c) {
    var r = rtCache[p];
    if (!r) {
      r = [];
      data.rt[p].split(',').forEach(function (run) {
        var m = /^(\d+)\*(\d+)$/.exec(run);
        if (!m) {
          throw new Error('bad runtime run ' + run);
        }
        for (var k = 0; k < +m[2]; k++) { r.push(+m[1]); }
      });
      rtCache[p] = r;
    }
    return data.rtSets[r[c]].map(function (i) { return data.rtLines[i]; });
  }

  function chainOf(r) {
    var out = [];
    for (var a = r; a >= 0; a = nodes[a].up) {
      out.push(a);
    }
    return out;
  }

  // the route and the nearest common upstream device, as the decision finds them
  function walk(pr, cr) {
    var pc = chainOf(pr), cc = chainOf(cr), path = [], i, j, a;
    for (i = 0; i < pc.length; i++) {
      j = cc.indexOf(pc[i]);
      if (j >= 0) {
        for (a = 0; a <= i; a++) { path.push(pc[a]); }
        for (a = j - 1; a >= 0; a--) { path.push(cc[a]); }
        return { path: path, common: nodes[pc[i]].key };
      }
    }
    path = pc.slice();
    path.push(nodes[pr].hb);
    if (nodes[cr].hb !== nodes[pr].hb) {
      path.push(nodes[cr].hb);
    }
    for (a = cc.length - 1; a >= 0; a--) { path.push(cc[a]); }
    return { path: path, common: '' };
  }

  function fill(tpl, p, c, u) {
    return tpl.split('\u0001').join(p).split('\u0002').join(c).split('\u0003').join(u);
  }

  // one matrix cell: provider row p, client column c (endpoint indexes)
  function cell(p, c) {
    var row = decodeRow(p), pr = data.endpoints[p], cr = data.endpoints[c];
    var w = walk(pr, cr);
    var override = data.paths[p + ',' + c];
    var path = override ? override.slice() : w.path.map(function (x) { return nodes[x].key; });
    var reasons = data.sets[row.sets[c]].map(function (t) {
      return fill(data.templates[t], nodes[pr].key, nodes[cr].key, w.common);
    });
    return { provider: nodes[pr].key, client: nodes[cr].key, letter: row.letters[c], mapType: NAMES[row.letters[c]],
      distance: row.dists[c], path: path, reasons: reasons };
  }

  function fnv(h, s) {
    for (var i = 0; i < s.length; i++) {
      h = Math.imul(h ^ s.charCodeAt(i), 16777619);
    }
    return h;
  }

  // per provider row, FNV-1a over "map_type|distance|path|reasons\n" of every cell (checked by the tests)
  function digestRows() {
    var out = [];
    for (var p = 0; p < data.endpoints.length; p++) {
      var h = 0x811c9dc5 | 0;
      for (var c = 0; c < data.endpoints.length; c++) {
        var x = cell(p, c);
        h = fnv(h, x.mapType + '|' + x.distance + '|' + x.path.join(' ') + '|' + x.reasons.join('\n') + '\n');
      }
      out.push((h >>> 0).toString(16));
    }
    return out;
  }

  // ---- folding and layout ----
  function hasKids(r) { return kids[r].length > 0; }

  function relayout() {
    var v = 0, r, n, p;
    for (r = 0; r < N; r++) {
      n = nodes[r];
      p = n.parent;
      hidden[r] = p >= 0 && (hidden[p] || collapsed[p]) ? 1 : 0;
      if (hidden[r]) {
        el[r].style.display = 'none';
        if (edge[r]) { edge[r].style.display = 'none'; }
        continue;
      }
      el[r].style.display = '';
      pos[r] = v++;
      el[r].setAttribute('transform', 'translate(' + X(n.depth) + ',' + Y(pos[r]) + ')');
      if (edge[r]) {
        edge[r].style.display = '';
        edge[r].setAttribute('d', 'M' + (X(nodes[p].depth) + 11) + ' ' + (Y(pos[p]) + L.box) + 'V' + (Y(pos[r]) + L.box / 2) + 'H' + X(n.depth));
      }
      if (hasKids(r)) {
        el[r].setAttribute('aria-expanded', collapsed[r] ? 'false' : 'true');
        el[r].querySelector('.letter').textContent = collapsed[r] ? '\u25b8' : '\u25be';
      }
    }
    var h = Y(v) + L.top;
    svg.setAttribute('height', h);
    var vb = svg.getAttribute('viewBox').split(' ');
    svg.setAttribute('viewBox', '0 0 ' + vb[2] + ' ' + h);
    drawGroups();
    drawRoute();
  }

  function drawGroups() {
    while (groupsLayer.firstChild) { groupsLayer.removeChild(groupsLayer.firstChild); }
    var r = 0;
    while (r < N) {
      if (hidden[r] || nodes[r].group < 0) { r++; continue; }
      var g = nodes[r].group, members = [r], k = r + 1;
      while (k < N && (hidden[k] || nodes[k].group === g)) {
        if (!hidden[k]) { members.push(k); }
        k++;
      }
      var left = 1e9, right = 0;
      members.forEach(function (m) {
        left = Math.min(left, X(nodes[m].depth));
        right = Math.max(right, X(nodes[m].depth) + nodes[m].w);
      });
      var top = Y(pos[members[0]]) - 2, bottom = Y(pos[members[members.length - 1]]) + L.box + 2;
      var rect = document.createElementNS(SVGNS, 'rect');
      rect.setAttribute('class', 'grp');
      rect.setAttribute('data-group', g);
      rect.setAttribute('x', left - 3);
      rect.setAttribute('y', top);
      rect.setAttribute('width', right - left + 6);
      rect.setAttribute('height', bottom - top);
      rect.setAttribute('rx', 6);
      groupsLayer.appendChild(rect);
      var t = document.createElementNS(SVGNS, 'text');
      t.setAttribute('class', 'grp-lbl');
      t.setAttribute('x', right + 8);
      t.setAttribute('y', top + 14);
      t.textContent = 'IOMMU ' + g;
      groupsLayer.appendChild(t);
      r = k;
    }
  }

  function expandTo(r) {
    var changed = false;
    for (var a = nodes[r].parent; a >= 0; a = nodes[a].parent) {
      if (collapsed[a]) { collapsed[a] = 0; changed = true; }
    }
    return changed;
  }

  function toggle(r) {
    if (!hasKids(r)) { return; }
    collapsed[r] = collapsed[r] ? 0 : 1;
    relayout();
  }

  function foldFrom(depth) {
    for (var r = 0; r < N; r++) {
      collapsed[r] = hasKids(r) && nodes[r].depth >= depth ? 1 : 0;
    }
  }

  // ---- provider colouring, pairs and routes ----
  function setMapClass(r, cls, letter, mt) {
    var c = el[r].classList;
    c.remove('mt-P', 'mt-B', 'mt-H', 'mt-X', 'mt-none');
    if (cls) { c.add(cls); }
    if (mt) { el[r].setAttribute('data-mt', mt); } else { el[r].removeAttribute('data-mt'); }
    if (!hasKids(r)) { el[r].querySelector('.letter').textContent = letter; }
    var suffix = mt === 'P' ? ', the chosen provider' : mt && mt !== '-' ? ', map type ' + NAMES[mt] : '';
    el[r].setAttribute('aria-label', baseLabel[r] + suffix);
  }

  function chooseProvider(p) {
    provider = p;
    var row = p >= 0 ? decodeRow(p) : null, r, n, counts = { B: 0, H: 0, X: 0 };
    for (r = 0; r < N; r++) {
      n = nodes[r];
      if (p < 0) {
        setMapClass(r, '', '', '');
      } else if (n.ep < 0) {
        setMapClass(r, 'mt-none', '', '-');
      } else if (n.ep === p) {
        setMapClass(r, 'mt-P', 'P', 'P');
      } else {
        setMapClass(r, 'mt-' + row.letters[n.ep], row.letters[n.ep], row.letters[n.ep]);
        counts[row.letters[n.ep]]++;
      }
    }
    select.value = p >= 0 ? nodes[data.endpoints[p]].key : '';
    route = null;
    document.querySelectorAll('table.matrix tr.chosen').forEach(function (tr) { tr.classList.remove('chosen'); });
    if (p >= 0) {
      var pr = data.endpoints[p];
      expandTo(pr);
      var tr = document.querySelector('table.matrix tr[data-p="' + nodes[pr].key + '"]');
      if (tr) { tr.classList.add('chosen'); }
      showText('Provider ' + nodes[pr].key + (nodes[pr].name ? ' (' + nodes[pr].name + ')' : '') + ': ' + counts.B + ' client(s) B, '
        + counts.H + ' H, ' + counts.X + ' X. Focus or hover a function to see its path.');
    } else {
      showText('Choose a provider, then focus or hover a function or a matrix cell.');
    }
    relayout();
    renderRowList();
  }

  function showText(s) {
    detailsBody.textContent = s;
  }

  function showPair(p, c) {
    var x = cell(p, c);
    var box = document.createElement('div');
    var h = document.createElement('p');
    h.className = 'verdict';
    h.textContent = x.provider + ' \u2192 ' + x.client + ': ' + x.letter + ' ' + x.mapType + ', distance ' + x.distance;
    box.appendChild(h);
    var pp = document.createElement('p');
    pp.textContent = 'path: ' + x.path.join(' \u2192 ');
    box.appendChild(pp);
    var ul = document.createElement('ul');
    x.reasons.forEach(function (s) {
      var li = document.createElement('li');
      li.textContent = s;
      ul.appendChild(li);
    });
    box.appendChild(ul);
    var rh = document.createElement('p');
    rh.className = 'runtimes-head';
    rh.textContent = 'Runtimes:';
    box.appendChild(rh);
    var rl = document.createElement('ul');
    rl.className = 'runtimes';
    runtimesOf(p, c).forEach(function (s) {
      var li = document.createElement('li');
      li.textContent = s;
      rl.appendChild(li);
    });
    box.appendChild(rl);
    detailsBody.textContent = '';
    detailsBody.appendChild(box);
    var changed = expandTo(data.endpoints[p]);
    changed = expandTo(data.endpoints[c]) || changed;
    route = x.path;
    if (changed) { relayout(); } else { drawRoute(); }
  }

  function drawRoute() {
    while (routeLayer.firstChild) { routeLayer.removeChild(routeLayer.firstChild); }
    document.querySelectorAll('.node.onpath').forEach(function (e) { e.classList.remove('onpath'); });
    if (!route) { return; }
    var pts = [], prev = -1;
    route.forEach(function (key) {
      var r = byKey[key];
      if (r === undefined || hidden[r]) { return; }
      el[r].classList.add('onpath');
      var x = X(nodes[r].depth) + 11, y = Y(pos[r]) + L.box / 2;
      if (prev >= 0) {
        var px = X(nodes[prev].depth) + 11, py = Y(pos[prev]) + L.box / 2;
        pts.push(nodes[prev].depth <= nodes[r].depth ? px + ',' + y : x + ',' + py);
      }
      pts.push(x + ',' + y);
      prev = r;
    });
    var line = document.createElementNS(SVGNS, 'polyline');
    line.setAttribute('points', pts.join(' '));
    routeLayer.appendChild(line);
  }

  function showNode(r) {
    var n = nodes[r];
    if (provider >= 0 && n.ep >= 0) {
      showPair(provider, n.ep);
    } else {
      showText(n.key + (n.ids ? ' ' + n.ids : '') + (n.name ? ' ' + n.name : '') + (n.detail ? ': ' + n.detail : '')
        + (provider < 0 && n.ep >= 0 ? '. Enter, P or a click makes it the provider.' : ''));
    }
  }

  // ---- tree keyboard and mouse ----
  function rowOf(target) {
    var g = target.closest ? target.closest('.node') : null;
    return g && g.hasAttribute('data-node') ? +g.getAttribute('data-node') : -1;
  }

  function focusRow(r) {
    if (r < 0 || r >= N) { return; }
    if (expandTo(r)) { relayout(); }
    el[focusRowIndex].setAttribute('tabindex', '-1');
    focusRowIndex = r;
    el[r].setAttribute('tabindex', '0');
    el[r].focus();
    if (el[r].scrollIntoView) { el[r].scrollIntoView({ block: 'nearest', inline: 'nearest' }); }
  }

  function nextVisible(r, step) {
    for (var k = r + step; k >= 0 && k < N; k += step) {
      if (!hidden[k]) { return k; }
    }
    return r;
  }

  svg.addEventListener('keydown', function (e) {
    var r = rowOf(e.target);
    if (r < 0) { return; }
    var n = nodes[r];
    switch (e.key) {
      case 'ArrowDown': focusRow(nextVisible(r, 1)); break;
      case 'ArrowUp': focusRow(nextVisible(r, -1)); break;
      case 'Home': focusRow(0); break;
      case 'End': focusRow(nextVisible(N, -1)); break;
      case 'ArrowRight':
        if (hasKids(r) && collapsed[r]) { toggle(r); } else if (hasKids(r)) { focusRow(kids[r][0]); }
        break;
      case 'ArrowLeft':
        if (hasKids(r) && !collapsed[r]) { toggle(r); } else if (n.parent >= 0) { focusRow(n.parent); }
        break;
      case 'Enter':
      case ' ':
        if (hasKids(r)) { toggle(r); } else if (n.ep >= 0) { chooseProvider(n.ep); }
        break;
      case 'p':
      case 'P':
        if (n.ep >= 0) { chooseProvider(n.ep); }
        break;
      default:
        return;
    }
    e.preventDefault();
  });

  svg.addEventListener('click', function (e) {
    var r = rowOf(e.target);
    if (r < 0) { return; }
    focusRow(r);
    if (hasKids(r)) { toggle(r); } else if (nodes[r].ep >= 0) { chooseProvider(nodes[r].ep); }
  });

  svg.addEventListener('focusin', function (e) {
    var r = rowOf(e.target);
    if (r >= 0) {
      if (r !== focusRowIndex) {
        el[focusRowIndex].setAttribute('tabindex', '-1');
        focusRowIndex = r;
        el[r].setAttribute('tabindex', '0');
      }
      showNode(r);
    }
  });

  svg.addEventListener('mouseover', function (e) {
    var r = rowOf(e.target);
    if (r >= 0 && provider >= 0 && nodes[r].ep >= 0 && nodes[r].ep !== provider) { showPair(provider, nodes[r].ep); }
  });

  // ---- controls ----
  select.addEventListener('change', function () {
    chooseProvider(select.value === '' ? -1 : epByKey[select.value]);
  });

  function runSearch() {
    var q = search.value.trim().toLowerCase(), r, changed = false;
    hits = [];
    hitCursor = -1;
    for (r = 0; r < N; r++) {
      var hit = q !== '' && haystack[r].indexOf(q) >= 0;
      el[r].classList.toggle('hit', hit);
      el[r].classList.toggle('dim', q !== '' && !hit);
      if (hit) {
        hits.push(r);
        changed = expandTo(r) || changed;
      }
    }
    if (changed) { relayout(); }
    searchStatus.textContent = q === '' ? '' : hits.length + (hits.length === 1 ? ' match' : ' matches') + (hits.length ? ' (Enter: next)' : '');
    if (hits.length && el[hits[0]].scrollIntoView) { el[hits[0]].scrollIntoView({ block: 'nearest' }); }
  }

  search.addEventListener('input', runSearch);
  search.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && hits.length) {
      hitCursor = (hitCursor + 1) % hits.length;
      focusRow(hits[hitCursor]);
      e.preventDefault();
    }
  });

  document.getElementById('expand-all').addEventListener('click', function () {
    collapsed.fill(0);
    relayout();
  });
  document.getElementById('collapse-all').addEventListener('click', function () {
    foldFrom(2);
    if (provider >= 0) { expandTo(data.endpoints[provider]); }
    relayout();
  });

  // ---- the matrix: full table (small machines) or the chosen provider's row ----
  function cellOf(target) {
    var td = target.closest ? target.closest('.cell') : null;
    return td && td.hasAttribute('data-p') ? td : null;
  }

  function showCell(td) {
    var p = epByKey[td.getAttribute('data-p')], c = epByKey[td.getAttribute('data-c')];
    document.querySelectorAll('.cell.onpair').forEach(function (e) { e.classList.remove('onpair'); });
    td.classList.add('onpair');
    if (p !== provider) { chooseProvider(p); }
    showPair(p, c);
  }

  function moveInGrid(td, dr, dc) {
    var tr = td.parentElement, body = tr.parentElement;
    var rows = Array.prototype.filter.call(body.children, function (x) { return x.querySelector('.cell'); });
    var ri = rows.indexOf(tr) + dr;
    var cells = tr.querySelectorAll('.cell');
    var ci = Array.prototype.indexOf.call(cells, td) + dc;
    if (ri < 0 || ri >= rows.length) { return; }
    var target = rows[ri].querySelectorAll('.cell');
    if (ci < 0 || ci >= target.length) { return; }
    td.setAttribute('tabindex', '-1');
    target[ci].setAttribute('tabindex', '0');
    target[ci].focus();
  }

  var matrixPane = document.getElementById('matrix-pane');
  matrixPane.addEventListener('focusin', function (e) {
    var td = cellOf(e.target);
    if (td) { showCell(td); }
  });
  matrixPane.addEventListener('mouseover', function (e) {
    var td = cellOf(e.target);
    if (td && epByKey[td.getAttribute('data-p')] === provider) { showPair(provider, epByKey[td.getAttribute('data-c')]); }
  });
  matrixPane.addEventListener('keydown', function (e) {
    var td = cellOf(e.target);
    if (!td) { return; }
    var d = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
    if (!d) { return; }
    moveInGrid(td, d[0], d[1]);
    e.preventDefault();
  });

  function renderRowList() {
    var box = document.getElementById('matrix-rows');
    if (!box) { return; }
    box.textContent = '';
    if (provider < 0) {
      var p0 = document.createElement('p');
      p0.textContent = 'Choose a provider to list its row.';
      box.appendChild(p0);
      return;
    }
    var table = document.createElement('table');
    table.className = 'rowlist';
    table.id = 'rowlist';
    table.setAttribute('role', 'grid');
    var cap = document.createElement('caption');
    cap.textContent = 'Provider ' + nodes[data.endpoints[provider]].key + ': one client per line';
    table.appendChild(cap);
    var head = document.createElement('thead');
    var htr = document.createElement('tr');
    ['client', 'name', 'map type', 'distance', 'reasons'].forEach(function (s) {
      var th = document.createElement('th');
      th.setAttribute('scope', 'col');
      th.textContent = s;
      htr.appendChild(th);
    });
    head.appendChild(htr);
    table.appendChild(head);
    var body = document.createElement('tbody');
    for (var c = 0; c < data.endpoints.length; c++) {
      var x = cell(provider, c), tr = document.createElement('tr');
      var cells = [x.client, nodes[data.endpoints[c]].name, x.letter + ' ' + x.mapType, String(x.distance), x.reasons.join(' | ')];
      cells.forEach(function (s, k) {
        var td = document.createElement('td');
        td.textContent = s;
        if (k === 2) {
          td.className = 'cell mt-' + x.letter;
          td.setAttribute('role', 'gridcell');
          td.setAttribute('tabindex', c === 0 ? '0' : '-1');
          td.setAttribute('data-p', x.provider);
          td.setAttribute('data-c', x.client);
          td.setAttribute('data-map-type', x.mapType);
          td.setAttribute('data-distance', String(x.distance));
          td.setAttribute('data-path', x.path.join(' '));
          td.setAttribute('title', x.reasons.join('\n'));
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    table.appendChild(body);
    box.appendChild(table);
  }

  // ---- start ----
  var fold = +document.body.getAttribute('data-fold');
  if (fold > 0) { foldFrom(fold); }
  relayout();
  // a link may choose the provider and a client: report.html#provider=0000:03:00.0&client=0000:04:00.0
  function applyHash() {
    var want = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i > 0) { want[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1)); }
    });
    if (epByKey[want.provider] !== undefined) {
      chooseProvider(epByKey[want.provider]);
      if (epByKey[want.client] !== undefined) { showPair(provider, epByKey[want.client]); }
    }
  }
  applyHash();
  window.addEventListener('hashchange', applyHash);
  window.P2PDMA = {
    cell: cell,
    digestRows: digestRows,
    runtimes: function (p, c) { return runtimesOf(epByKey[p], epByKey[c]); },
    endpoints: data.endpoints.length,
    chooseProvider: function (addr) { chooseProvider(addr === '' ? -1 : epByKey[addr]); },
    isHidden: function (key) { return hidden[byKey[key]] === 1; }
  };
}());
