package dev.p2pdma.report;

import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.runtime.RuntimeOptions;
import dev.p2pdma.runtime.RuntimeVerdicts;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The report: one self-contained HTML page (inline CSS, a small inline script, the data as one
 * JSON blob; no network: its Content-Security-Policy forbids every fetch) with the assumptions in a
 * header, a provider chooser, the SVG tree, and the matrix.
 *
 * <p>Matrices of up to {@link #FULL_TABLE_MAX_ENDPOINTS} endpoints are written as a full table,
 * one focusable cell per pair with its reasons in {@code title}; larger ones show the chosen
 * provider's row as a list of clients, built by the script from the blob, which always holds
 * every cell (see {@link ReportData}). Trees of more than {@link #FOLDED_ABOVE_ROWS} rows start
 * with subtrees below the third level folded. The output is a function of its inputs: the same
 * machine and names give the same bytes. The blob's cells, and what each runtime decides for them
 * (shown in the details pane, {@link RuntimeCells}), are computed on two more threads while the
 * rest of the page is written. Stateless and thread-safe.
 */
public final class HtmlReport {

    /** Largest matrix written as a full table. */
    public static final int FULL_TABLE_MAX_ENDPOINTS = 64;
    /** Trees with more rows than this start partly folded. */
    public static final int FOLDED_ABOVE_ROWS = 400;
    /** The page's stylesheet. */
    private static final String PAGE_CSS = SvgTree.resource("report.css");
    /** The page's script. */
    private static final String SCRIPT = script();

    private HtmlReport() {
    }

    private static String script() {
        String s = SvgTree.resource("report.js");
        if (s.toLowerCase(java.util.Locale.ROOT).contains("</script") || s.contains("<!--")) {
            throw new IllegalStateException("report.js must not contain '</script' or '<!--'");
        }
        return s;
    }

    /** The page for a machine, with names from the model's database and every non-bridge function in the matrix. */
    public static String render(ReportModel model) {
        return render(model, model.topology().matrixEndpoints());
    }

    /**
     * The page for a machine whose matrix covers every pair of the given non-bridge functions
     * (topology indexes); the tree still shows every function.
     */
    public static String render(ReportModel model, int[] endpoints) {
        return render(model, endpoints, RuntimeOptions.defaults());
    }

    /**
     * The page for a machine whose matrix covers every pair of the given non-bridge functions, with
     * the runtimes' decisions (in the details pane) under {@code runtimeOptions}.
     */
    public static String render(ReportModel model, int[] endpoints, RuntimeOptions runtimeOptions) {
        P2pMatrix matrix = P2pMatrix.of(model.machine().decision(), endpoints, endpoints);
        boolean full = matrix.size() <= FULL_TABLE_MAX_ENDPOINTS;
        PciTopology t = model.topology();
        // the cells (a million for 1,000 endpoints) are coded on a second thread while this one writes the rest
        FutureTask<MatrixCells> cells = new FutureTask<>(() -> MatrixCells.compute(t, matrix));
        Thread.ofPlatform().daemon().name("p2pdma-report-cells").start(cells);
        RuntimeVerdicts runtimeVerdicts = RuntimeVerdicts.of(model.machine(), runtimeOptions);
        FutureTask<RuntimeCells> runtimes = new FutureTask<>(() -> RuntimeCells.compute(matrix, runtimeVerdicts));
        Thread.ofPlatform().daemon().name("p2pdma-report-runtimes").start(runtimes);
        StringBuilder sb = new StringBuilder(1 << 16);
        String title = "p2pdma report: " + t.machine().source();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; ")
                .append("script-src 'unsafe-inline'; img-src data:\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta name=\"generator\" content=\"p2pdma report\">\n")
                .append("<title>").append(Markup.escape(title)).append("</title>\n<style>\n").append(PAGE_CSS).append("</style>\n</head>\n");
        sb.append("<body data-fold=\"").append(model.layout().rows() > FOLDED_ABOVE_ROWS ? 3 : 0).append("\">\n");
        writeHeader(model, matrix, sb);
        writeControls(model, matrix, sb);
        sb.append("<main class=\"panes\">\n<section class=\"tree-pane\" id=\"tree-pane\" aria-label=\"PCI tree\">\n")
                .append("<h2>Tree</h2>\n<p class=\"hint\">Arrow keys move; Enter or Space folds a bridge or chooses an endpoint as provider; ")
                .append("P chooses the focused endpoint. With a provider chosen, focus or hover a function to see its path and reasons.</p>\n")
                .append("<div class=\"tree-scroll\">\n")
                .append(SvgTree.element(model, Optional.empty(), true))
                .append("</div>\n</section>\n");
        sb.append("<aside class=\"details\" id=\"details\" aria-live=\"polite\" aria-label=\"Details\">\n<h2>Details</h2>\n")
                .append("<p id=\"details-body\">Choose a provider, then focus or hover a function or a matrix cell.</p>\n</aside>\n</main>\n");
        writeMatrix(model, matrix, full, sb);
        sb.append("<script type=\"application/json\" id=\"p2pdma-data\">")
                .append(Markup.scriptSafeJson(ReportData.json(model, matrix, full, join(cells), join(runtimes))))
                .append("</script>\n<script>\n").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return sb.toString();
    }

    /** The result of a task run on another thread; its exception, if any, thrown here. */
    private static <T> T join(FutureTask<T> task) {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the report's cells were computed", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static void writeHeader(ReportModel model, P2pMatrix matrix, StringBuilder sb) {
        PciTopology t = model.topology();
        sb.append("<header>\n<h1>p2pdma report</h1>\n<p class=\"summary\">").append(t.size()).append(" PCI functions below ")
                .append(t.hostBridges().size()).append(" host bridge(s); ").append(matrix.size())
                .append(" non-bridge functions in the matrix. Linux 6.12 <code>drivers/pci/p2pdma.c</code> rules.</p>\n");
        sb.append("<dl class=\"facts\" id=\"facts\">\n");
        for (ReportModel.HeaderLine l : model.header()) {
            sb.append("<dt>").append(Markup.escape(l.label())).append("</dt><dd>").append(Markup.escape(l.text())).append("</dd>\n");
        }
        sb.append("</dl>\n</header>\n");
    }

    private static void writeControls(ReportModel model, P2pMatrix matrix, StringBuilder sb) {
        sb.append("<section class=\"controls\" aria-label=\"Controls\">\n<div class=\"row\">\n")
                .append("<label for=\"provider\">Provider</label>\n<select id=\"provider\">\n<option value=\"\">(none: choose one)</option>\n");
        for (int k = 0; k < matrix.size(); k++) {
            int f = matrix.endpoint(k);
            String addr = model.topology().function(f).address().toString();
            sb.append("<option value=\"").append(addr).append("\">").append(addr)
                    .append(model.nameOf(f).map(n -> " " + Markup.escape(n)).orElse("")).append("</option>\n");
        }
        sb.append("</select>\n<label for=\"search\">Search</label>\n")
                .append("<input type=\"search\" id=\"search\" placeholder=\"address, ids or name\" autocomplete=\"off\" ")
                .append("aria-describedby=\"search-status\">\n<span id=\"search-status\" role=\"status\"></span>\n")
                .append("<button type=\"button\" id=\"expand-all\">Unfold all</button>\n")
                .append("<button type=\"button\" id=\"collapse-all\">Fold switches</button>\n</div>\n");
        sb.append("<ul class=\"legend\" aria-label=\"Legend\">\n");
        for (MapTypeStyle s : MapTypeStyle.values()) {
            sb.append("<li><svg class=\"tree swatch\" width=\"24\" height=\"24\" aria-hidden=\"true\"><g class=\"node ").append(s.cssClass())
                    .append("\"><rect class=\"box\" x=\"1\" y=\"1\" width=\"22\" height=\"22\" rx=\"4\"/>")
                    .append("<rect class=\"pat\" x=\"1\" y=\"1\" width=\"22\" height=\"22\" rx=\"4\"/>")
                    .append("<rect class=\"badge\" x=\"4\" y=\"4\" width=\"16\" height=\"16\" rx=\"3\"/>")
                    .append("<text class=\"letter\" x=\"12\" y=\"12.5\">").append(s.letter()).append("</text></g></svg> <b>")
                    .append(s.letter()).append("</b> ").append(Markup.escape(s.meaning())).append("</li>\n");
        }
        sb.append("<li><svg class=\"tree swatch\" width=\"24\" height=\"24\" aria-hidden=\"true\"><rect class=\"grp\" x=\"2\" y=\"2\" ")
                .append("width=\"20\" height=\"20\" rx=\"4\"/></svg> dashed outline: an IOMMU group</li>\n</ul>\n</section>\n");
    }

    private static void writeMatrix(ReportModel model, P2pMatrix matrix, boolean full, StringBuilder sb) {
        sb.append("<section class=\"matrix-pane\" id=\"matrix-pane\" aria-label=\"Matrix\">\n<h2>Matrix</h2>\n");
        int n = matrix.size();
        if (n == 0) {
            sb.append("<p>No non-bridge PCI functions.</p>\n</section>\n");
            return;
        }
        if (!full) {
            sb.append("<p class=\"hint\">").append(n).append(" endpoints (").append((long) n * n)
                    .append(" pairs): too many for one table, so the chosen provider's row is listed, one client per line. ")
                    .append("Every pair is in the page's data.</p>\n<div id=\"matrix-rows\"><p>Choose a provider to list its row.</p></div>\n</section>\n");
            return;
        }
        PciTopology t = model.topology();
        boolean allDomainZero = true;
        for (int k = 0; k < n; k++) {
            allDomainZero &= t.function(matrix.endpoint(k)).address().domain() == 0;
        }
        String[] shortNames = new String[n];
        String[] addrs = new String[n];
        for (int k = 0; k < n; k++) {
            PciAddress a = t.function(matrix.endpoint(k)).address();
            addrs[k] = a.toString();
            shortNames[k] = allDomainZero ? addrs[k].substring(5) : addrs[k];
        }
        sb.append("<p class=\"hint\">Rows are providers, columns clients; each cell is the map-type letter and the kernel's distance. ")
                .append("Arrow keys move between cells; hover or focus a cell for its reasons.</p>\n");
        sb.append("<div class=\"matrix-scroll\"><table class=\"matrix\" id=\"matrix\" role=\"grid\" aria-label=\"P2PDMA matrix\">\n<thead><tr>")
                .append("<th scope=\"col\" class=\"corner\">provider \\ client</th>");
        for (int k = 0; k < n; k++) {
            sb.append("<th scope=\"col\" class=\"ch\" data-c=\"").append(addrs[k]).append("\"><span>").append(shortNames[k]).append("</span></th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (int i = 0; i < n; i++) {
            sb.append("<tr data-p=\"").append(addrs[i]).append("\"><th scope=\"row\">").append(shortNames[i]).append("</th>");
            for (int j = 0; j < n; j++) {
                P2pVerdict v = matrix.verdict(i, j);
                MapType mt = v.mapType();
                char letter = ReportData.letter(mt);
                sb.append("<td class=\"cell mt-").append(letter).append("\" role=\"gridcell\" tabindex=\"").append(i == 0 && j == 0 ? 0 : -1)
                        .append("\" data-p=\"").append(addrs[i]).append("\" data-c=\"").append(addrs[j])
                        .append("\" data-map-type=\"").append(mt.name()).append("\" data-distance=\"").append(v.distance())
                        .append("\" data-path=\"").append(Markup.escape(String.join(" ", v.path())))
                        .append("\" title=\"").append(Markup.escape(String.join("\n", v.reasons()))).append("\">")
                        .append(letter).append(v.distance()).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody>\n</table></div>\n</section>\n");
    }
}
