package dev.p2pdma.report;

import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The matrix part of the report's data blob (see {@link ReportData}): reason templates, template
 * sets, the run-length-coded cells of every row and the path overrides.
 *
 * <p>Two ways to the same bytes. {@link #exact} asks the decision for every pair's verdict.
 * {@link #compute} asks only once per <em>class</em> of pairs: two pairs are in one class when
 * their verdicts can differ only in the provider's, client's and common device's own addresses,
 * which the templates replace by tokens anyway. A class is fixed by what the narrated walk reads:
 * whether there is a common upstream device, provider equals client, the map type, both host
 * bridges and their whitelist devices, the client's driver (its log prefix), and the devices on the
 * examined path whose ACS redirects or is unknown (by identity, or, when one of the three is
 * such a device, by its redirect bit and unknown-ACS reason). The shortcut is taken only when
 * every address has the same length and no free text (driver names, unknown-ACS reasons, the CPU
 * description) holds an address, so a template's tokens stand exactly where the addresses were;
 * pairs whose redirect list could be cut by the kernel's 128-byte buffer, and whole machines where
 * a class's first pair disagrees with the fast {@code calc} or the tree's route, go the exact way.
 * Stateless and thread-safe.
 *
 * @param templates distinct reason lines with the pair's addresses replaced by tokens, in first-use order
 * @param sets      distinct lists of template indexes, in first-use order
 * @param rows      per provider, the cells {@code LETTERdistance.set*count} joined by commas
 * @param paths     routes keyed {@code "row,column"} where they differ from the route the tree gives
 */
record MatrixCells(List<String> templates, List<List<Integer>> sets, List<String> rows, Map<String, List<String>> paths) {

    /** Marks a key entry that names no function (a host bridge without a whitelist device). */
    private static final int NO_FUNCTION = Integer.MIN_VALUE;
    /** Length of one entry of the kernel's redirect list: an address and ';'. */
    private static final int LIST_SEPARATOR_CHARS = 1;
    /** Size of the kernel's buffer for that list, in bytes (pci_p2pdma's seq_buf). */
    private static final int ACS_LIST_BUFFER_BYTES = 128;

    MatrixCells {
        templates = List.copyOf(templates);
        sets = List.copyOf(sets);
        rows = List.copyOf(rows);
        paths = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(paths));
    }

    /** The cells of a square matrix, one verdict per class of pairs where that gives the same bytes, else per pair. */
    static MatrixCells compute(PciTopology t, P2pMatrix matrix) {
        return byClass(t, matrix).orElseGet(() -> exact(t, matrix));
    }

    /** The cells with one verdict per class of pairs, or empty when that could differ from {@link #exact}. */
    static Optional<MatrixCells> byClass(PciTopology t, P2pMatrix matrix) {
        return Classes.of(t, matrix.decision()).flatMap(c -> c.cells(matrix));
    }

    /** The cells from every pair's own verdict: the definition {@link #compute} must match. */
    static MatrixCells exact(PciTopology t, P2pMatrix matrix) {
        Numbering out = new Numbering(t);
        int n = matrix.size();
        for (int i = 0; i < n; i++) {
            out.startRow();
            for (int j = 0; j < n; j++) {
                P2pVerdict v = matrix.verdict(i, j);
                if (!out.pathMatches(matrix.endpoint(i), matrix.endpoint(j), v)) {
                    out.paths.put(i + "," + j, v.path());
                }
                out.cell(ReportData.letter(v.mapType()), v.distance(), out.setOf(v));
            }
            out.endRow();
        }
        return out.result();
    }

    /**
     * Numbers templates and sets in first-use order and run-length-codes the rows; the state of one
     * computation. Not thread-safe.
     */
    private static final class Numbering {
        /** Template text to index. */
        final Map<String, Integer> templates = new LinkedHashMap<>();
        /** Set to index. */
        final Map<List<Integer>, Integer> sets = new LinkedHashMap<>();
        /** Path overrides. */
        final Map<String, List<String>> paths = new LinkedHashMap<>();
        /** The coded rows so far. */
        final List<String> rows = new ArrayList<>();
        /** The row being coded. */
        final StringBuilder row = new StringBuilder();
        /** The topology, for the routes the tree gives. */
        final PciTopology topology;
        /** Each function's address as text. */
        final String[] names;
        /** Each host bridge's name. */
        final String[] hostBridgeNames;
        /** Upstream chains already built, by function. */
        final Map<Integer, int[]> chains = new HashMap<>();
        /** The current run's letter, 0 before the first cell of a row. */
        char runLetter;
        /** The current run's distance. */
        int runDistance;
        /** The current run's set. */
        int runSet;
        /** Cells in the current run. */
        int runCount;

        Numbering(PciTopology t) {
            this.topology = t;
            this.names = new String[t.size()];
            for (int f = 0; f < names.length; f++) {
                names[f] = t.function(f).address().toString();
            }
            this.hostBridgeNames = new String[t.hostBridges().size()];
            for (int h = 0; h < hostBridgeNames.length; h++) {
                hostBridgeNames[h] = t.hostBridges().get(h).name();
            }
        }

        /** The set index of a verdict's reasons, numbering new templates and sets. */
        int setOf(P2pVerdict v) {
            String p = v.provider().toString();
            String c = v.client().toString();
            String u = v.commonUpstream().map(Object::toString).orElse("");
            List<Integer> set = new ArrayList<>(v.reasons().size());
            for (String reason : v.reasons()) {
                String tpl = ReportData.template(reason, p, c, u);
                set.add(templates.computeIfAbsent(tpl, k -> templates.size()));
            }
            return sets.computeIfAbsent(List.copyOf(set), k -> sets.size());
        }

        /** Whether the verdict's route is the one the page's script derives from the tree. */
        boolean pathMatches(int provider, int client, P2pVerdict v) {
            return ReportData.derivedPath(topology, names, hostBridgeNames, provider, client, chains).equals(v.path());
        }

        void startRow() {
            row.setLength(0);
            runLetter = 0;
            runCount = 0;
        }

        void cell(char letter, int distance, int set) {
            if (runCount > 0 && letter == runLetter && distance == runDistance && set == runSet) {
                runCount++;
                return;
            }
            flushRun();
            runLetter = letter;
            runDistance = distance;
            runSet = set;
            runCount = 1;
        }

        private void flushRun() {
            if (runCount == 0) {
                return;
            }
            if (!row.isEmpty()) {
                row.append(',');
            }
            row.append(runLetter).append(runDistance).append('.').append(runSet).append('*').append(runCount);
        }

        void endRow() {
            flushRun();
            rows.add(row.toString());
        }

        MatrixCells result() {
            return new MatrixCells(List.copyOf(templates.keySet()), List.copyOf(sets.keySet()), rows, paths);
        }
    }

    /**
     * What a pair's narrated verdict reads, per function and host bridge, for one machine; built
     * only when the shortcut gives the exact bytes. Immutable after construction; thread-safe (each
     * {@link #cells} call keeps its own state).
     */
    private static final class Classes {
        /** The topology. */
        final PciTopology topology;
        /** The decision. */
        final P2pDmaDecision decision;
        /** pci_upstream_bridge() per function, -1 on a root bus. */
        final int[] upstream;
        /** Upstream chain length per function. */
        final int[] chainLength;
        /** Host bridge index per function. */
        final int[] hostBridge;
        /** Whether a function's ACS redirects (with the unknown-ACS assumption). */
        final boolean[] redirects;
        /** Whether a function's ACS redirects or is unknown: the devices the walk names. */
        final boolean[] named;
        /** Per function, an id of its unknown-ACS reason, -1 when its ACS is known. */
        final int[] unknownReason;
        /** Per function, an id of its driver (its log prefix without the address). */
        final int[] driver;
        /** Per host bridge, the function the whitelist checks, or -1. */
        final int[] whitelistDevice;
        /** Most redirecting devices a list can hold without the kernel's buffer cutting it. */
        final int maxListed;

        private Classes(PciTopology t, P2pDmaDecision d, int addressLength) {
            this.topology = t;
            this.decision = d;
            int n = t.size();
            this.upstream = new int[n];
            this.chainLength = new int[n];
            this.hostBridge = new int[n];
            this.redirects = new boolean[n];
            this.named = new boolean[n];
            this.unknownReason = new int[n];
            this.driver = new int[n];
            Map<String, Integer> reasons = new HashMap<>();
            Map<String, Integer> drivers = new HashMap<>();
            for (int i = 0; i < n; i++) {
                PciFunction f = t.function(i);
                upstream[i] = t.upstream(i);
                chainLength[i] = t.chainLength(i);
                hostBridge[i] = t.hostBridgeIndexOf(i);
                redirects[i] = d.hasAcsRedirect(i);
                unknownReason[i] = f.acs() instanceof AcsState.Unknown u ? reasons.computeIfAbsent(u.reason(), k -> reasons.size()) : -1;
                named[i] = redirects[i] || unknownReason[i] >= 0;
                String prefix = f.logPrefix();
                driver[i] = drivers.computeIfAbsent(prefix.substring(0, prefix.length() - addressLength), k -> drivers.size());
            }
            this.whitelistDevice = new int[t.hostBridges().size()];
            for (int h = 0; h < whitelistDevice.length; h++) {
                whitelistDevice[h] = t.hostBridgeDevice(h).map(f -> t.indexOf(f.address())).orElse(-1);
            }
            this.maxListed = (ACS_LIST_BUFFER_BYTES - 1) / (addressLength + LIST_SEPARATOR_CHARS);
        }

        /** The classes of a machine, or empty when an address could be read in free text or in another address. */
        static Optional<Classes> of(PciTopology t, P2pDmaDecision d) {
            int n = t.size();
            if (n == 0) {
                return Optional.empty();
            }
            Set<String> addresses = new HashSet<>(n * 2);
            int length = t.function(0).address().toString().length();
            for (PciFunction f : t.functions()) {
                String a = f.address().toString();
                if (a.length() != length) {
                    return Optional.empty();
                }
                addresses.add(a);
            }
            List<String> freeText = new ArrayList<>();
            for (PciFunction f : t.functions()) {
                String prefix = f.logPrefix();
                String a = f.address().toString();
                if (!prefix.endsWith(a)) {
                    return Optional.empty();
                }
                freeText.add(prefix.substring(0, prefix.length() - a.length()));
                if (f.acs() instanceof AcsState.Unknown u) {
                    freeText.add(u.reason());
                }
            }
            t.hostBridges().forEach(h -> freeText.add(h.name()));
            d.cpu().ifPresent(c -> freeText.add(c.describe()));
            for (String s : freeText) {
                for (int k = 0; k + length <= s.length(); k++) {
                    if (addresses.contains(s.substring(k, k + length))) {
                        return Optional.empty();
                    }
                }
            }
            return Optional.of(new Classes(t, d, length));
        }

        /** The cells by class, or empty when a class's first pair shows the shortcut would not give the exact bytes. */
        Optional<MatrixCells> cells(P2pMatrix matrix) {
            Numbering out = new Numbering(topology);
            Map<Key, Integer> setOfClass = new HashMap<>();
            Key probe = new Key(new int[16]);
            int n = matrix.size();
            for (int i = 0; i < n; i++) {
                out.startRow();
                int p = matrix.endpoint(i);
                for (int j = 0; j < n; j++) {
                    int c = matrix.endpoint(j);
                    long packed = decision.calc(p, c);
                    MapType type = P2pDmaDecision.mapTypeOf(packed);
                    int distance = P2pDmaDecision.distanceOf(packed);
                    int set;
                    if (!probe.fill(this, p, c, type)) {
                        // the redirect list may be cut mid-address: this pair's own verdict
                        P2pVerdict v = decision.verdict(p, c);
                        if (v.mapType() != type || v.distance() != distance || !out.pathMatches(p, c, v)) {
                            return Optional.empty();
                        }
                        set = out.setOf(v);
                    } else {
                        Integer known = setOfClass.get(probe);
                        if (known == null) {
                            P2pVerdict v = decision.verdict(p, c);
                            if (v.mapType() != type || v.distance() != distance || !out.pathMatches(p, c, v)) {
                                return Optional.empty();
                            }
                            known = out.setOf(v);
                            setOfClass.put(probe.copy(), known);
                        }
                        set = known;
                    }
                    out.cell(ReportData.letter(type), distance, set);
                }
                out.endRow();
            }
            return Optional.of(out.result());
        }

        /** A function as a key entry: the pair's own three by role (they become tokens), any other by index. */
        int role(int f, int p, int c, int u) {
            return f < 0 ? NO_FUNCTION : f == p ? -1 : f == c ? -2 : f == u ? -3 : f;
        }
    }

    /** The class of a pair as ints; a reusable probe or a stored copy. Not thread-safe. */
    private static final class Key {
        /** The entries; only {@code [0, length)} counts. */
        int[] entries;
        /** Number of entries. */
        int length;
        /** Hash of the entries. */
        int hash;

        Key(int[] entries) {
            this.entries = entries;
        }

        /**
         * Fills the key with the class of (p, c); false when the pair's redirect list could be
         * cut by the kernel's buffer (no class then).
         */
        boolean fill(Classes k, int p, int c, MapType type) {
            length = 0;
            // the nearest common upstream device, as the walk finds it
            int x = p;
            int y = c;
            int lx = k.chainLength[p];
            int ly = k.chainLength[c];
            while (lx > ly) {
                x = k.upstream[x];
                lx--;
            }
            while (ly > lx) {
                y = k.upstream[y];
                ly--;
            }
            while (x != y) {
                x = k.upstream[x];
                y = k.upstream[y];
            }
            int u = x;
            int hp = k.hostBridge[p];
            int hc = k.hostBridge[c];
            add((u < 0 ? 1 : 0) | (p == c ? 2 : 0));
            add(type.ordinal());
            add(hp);
            add(hc);
            add(k.role(k.whitelistDevice[hp], p, c, u));
            add(k.role(k.whitelistDevice[hc], p, c, u));
            add(k.driver[c]);
            int listed = 0;
            if (u >= 0) {
                // the provider's chain up to and including u, then the client's chain below u
                for (int f = p; ; f = k.upstream[f]) {
                    listed += named(k, f, p, c, u);
                    if (f == u) {
                        break;
                    }
                }
                for (int f = c; f != u; f = k.upstream[f]) {
                    listed += named(k, f, p, c, u);
                }
            }
            hash = 1;
            for (int i = 0; i < length; i++) {
                hash = 31 * hash + entries[i];
            }
            return listed <= k.maxListed;
        }

        /** Adds a device of the examined path when the walk names it; 1 when it redirects. */
        private int named(Classes k, int f, int p, int c, int u) {
            if (!k.named[f]) {
                return 0;
            }
            int r = k.role(f, p, c, u);
            add(r);
            if (r < 0) {
                add(k.redirects[f] ? 1 : 0);
                add(k.unknownReason[f]);
            }
            return k.redirects[f] ? 1 : 0;
        }

        private void add(int v) {
            if (length == entries.length) {
                entries = Arrays.copyOf(entries, length * 2);
            }
            entries[length++] = v;
        }

        Key copy() {
            Key k = new Key(Arrays.copyOf(entries, length));
            k.length = length;
            k.hash = hash;
            return k;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.length == length && Arrays.equals(entries, 0, length, k.entries, 0, length);
        }
    }
}
