package dev.p2pdma.report.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.p2pdma.cli.Main;
import dev.p2pdma.pci.io.Importers;
import dev.p2pdma.sim.SyntheticHost;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The report in a real browser: Debian's headless Chromium through chromedriver (started once for
 * the class), on a real conformance capture with a switch and an IOMMU and on the 1,000-endpoint
 * synthetic host. Checks the DOM against {@code p2pdma matrix --format json} run in-process, and
 * drives the page with the keyboard and the mouse. Screenshots go to
 * {@code target/report-screenshots/}. Missing Chromium is a failure that says how to install it.
 */
class ReportBrowserTest {

    /** The capture: a switch with two NVMe endpoints behind a redirecting root port, IOMMU on. */
    private static final String CAPTURE = "sw-iommu_on-cpu_intel";
    /** Where screenshots go. */
    private static final Path SHOTS = Path.of("target", "report-screenshots");
    /** Box fill per map-type letter (data-mt), as the stylesheet gives it. */
    private static final Map<String, String> FILL = Map.of("P", "rgb(207, 227, 245)", "B", "rgb(201, 234, 220)",
            "H", "rgb(251, 230, 184)", "X", "rgb(248, 213, 196)", "-", "rgb(246, 246, 246)");

    /** Scratch space for the profile, the reports and the inputs. */
    @TempDir
    static Path tmp;
    /** The browser. */
    private static Chromium chromium;
    /** Its session. */
    private static WebDriver web;
    /** The capture's input flags. */
    private static String[] captureInput;
    /** The capture's report. */
    private static Path captureReport;
    /** The synthetic host's input flags. */
    private static String[] syntheticInput;
    /** The synthetic host's report. */
    private static Path syntheticReport;

    @BeforeAll
    static void start() throws Exception {
        if (!Chromium.installed()) {
            fail(Chromium.INSTALL_HINT);
        }
        Path ids = tmp.resolve("test-pci.ids");
        try (var in = ReportBrowserTest.class.getResourceAsStream("/dev/p2pdma/report/test-pci.ids")) {
            Files.write(ids, in.readAllBytes());
        }
        Path shared = Path.of(System.getProperty("p2pdma.shared", "../shared"));
        captureInput = new String[] {"--sysfs", shared.resolve("conformance").resolve(CAPTURE).resolve("capture.tar.gz").toString()};
        captureReport = report(captureInput, ids, "capture.html");
        Path topo = tmp.resolve("synthetic.json");
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(topo, StandardCharsets.UTF_8))) {
            Importers.writeTopologyFile(SyntheticHost.build(), "json", w);
        }
        syntheticInput = new String[] {"--topology", topo.toString()};
        syntheticReport = report(syntheticInput, ids, "synthetic.html");
        Files.createDirectories(SHOTS);
        chromium = Chromium.start(Files.createDirectory(tmp.resolve("profile")), tmp.resolve("chromedriver.log"));
        web = chromium.web();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (chromium != null) {
            chromium.close();
        }
    }

    private static Path report(String[] input, Path ids, String name) {
        Path out = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("report"));
        args.addAll(List.of(input));
        args.addAll(List.of("--pci-ids", ids.toString(), "-o", out.toString()));
        StringWriter err = new StringWriter();
        int rc = Main.run(args.toArray(String[]::new), new PrintWriter(Writer.nullWriter()), new PrintWriter(err));
        assertThat(rc).as(err.toString()).isZero();
        return out;
    }

    private static void open(Path report) {
        web.navigate(report.toUri().toString());
        assertThat(web.execute("return typeof window.P2PDMA").asString()).as("the page's script ran").isEqualTo("object");
    }

    private static void screenshot(String name) throws IOException {
        Files.write(SHOTS.resolve(name + ".png"), web.screenshot());
    }

    private static List<String> strings(JsonNode array) {
        return MatrixJson.strings(array);
    }

    /** The functions' addresses as the topology lists them. */
    private static TreeSet<String> addresses(String... input) {
        List<String> args = new ArrayList<>(List.of("topo"));
        args.addAll(List.of(input));
        args.addAll(List.of("--format", "json"));
        StringWriter out = new StringWriter();
        assertThat(Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(Writer.nullWriter()))).isZero();
        TreeSet<String> s = new TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"address\" ?: ?\"([0-9a-f:.]+)\"").matcher(out.toString());
        while (m.find()) {
            s.add(m.group(1));
        }
        return s;
    }

    private static TreeSet<String> drawnAddresses() {
        return new TreeSet<>(strings(web.execute(
                "return Array.from(document.querySelectorAll('#tree .node[data-addr]')).map(e => e.getAttribute('data-addr'))")));
    }

    /** data-mt and the box's computed fill of every function node, keyed by address. */
    private static Map<String, String[]> colours() {
        JsonNode v = web.execute("return Array.from(document.querySelectorAll('#tree .node[data-addr]')).map(e => "
                + "[e.getAttribute('data-addr'), e.getAttribute('data-mt') || '', getComputedStyle(e.querySelector('.box')).fill, "
                + "e.querySelector('.letter').textContent])");
        Map<String, String[]> out = new HashMap<>();
        for (JsonNode e : v) {
            out.put(e.get(0).asString(), new String[] {e.get(1).asString(), e.get(2).asString(), e.get(3).asString()});
        }
        return out;
    }

    private static String letter(String mapType) {
        return switch (mapType) {
            case "BUS_ADDR" -> "B";
            case "THRU_HOST_BRIDGE" -> "H";
            case "NOT_SUPPORTED" -> "X";
            default -> throw new IllegalArgumentException(mapType);
        };
    }

    /** Checks every function's colour against the matrix row of {@code provider}. */
    private static void assertColouredFor(String provider, List<JsonNode> pairs, TreeSet<String> all) {
        Map<String, String> expected = new HashMap<>();
        for (JsonNode p : pairs) {
            if (p.get("provider").asString().equals(provider)) {
                String c = p.get("client").asString();
                expected.put(c, c.equals(provider) ? "P" : letter(p.get("map_type").asString()));
            }
        }
        Map<String, String[]> seen = colours();
        assertThat(seen.keySet()).isEqualTo(all);
        for (String a : all) {
            String want = expected.getOrDefault(a, "-");
            assertThat(seen.get(a)[0]).as("data-mt of %s", a).isEqualTo(want);
            assertThat(seen.get(a)[1]).as("fill of %s", a).isEqualTo(FILL.get(want));
        }
    }

    @Test
    void everyFunctionOfTheCaptureIsDrawnInTheTree() {
        open(captureReport);
        assertThat(drawnAddresses()).isEqualTo(addresses(captureInput)).hasSize(10);
    }

    @Test
    void everyMatrixCellOfTheCaptureEqualsTheMatrixJson() {
        open(captureReport);
        List<JsonNode> pairs = MatrixJson.pairs(captureInput);
        JsonNode cells = web.execute("return Array.from(document.querySelectorAll('#matrix td.cell')).map(td => "
                + "[td.getAttribute('data-p'), td.getAttribute('data-c'), td.getAttribute('data-map-type'), td.getAttribute('data-distance'), "
                + "td.getAttribute('data-path'), td.getAttribute('title'), td.textContent])");
        assertThat(cells.size()).isEqualTo(pairs.size()).isEqualTo(16);
        for (int k = 0; k < pairs.size(); k++) {
            JsonNode want = pairs.get(k);
            JsonNode got = cells.get(k);
            assertThat(strings(got)).as("cell %d", k).containsExactly(want.get("provider").asString(), want.get("client").asString(),
                    want.get("map_type").asString(), String.valueOf(want.get("distance").asInt()), String.join(" ", strings(want.get("path"))),
                    String.join("\n", strings(want.get("reasons"))), letter(want.get("map_type").asString()) + want.get("distance").asInt());
        }
        assertThat(strings(web.execute("return P2PDMA.digestRows()"))).isEqualTo(MatrixJson.rowDigests(captureInput));
    }

    @Test
    void choosingAProviderWithTheKeyboardRecoloursEveryFunctionAsTheMatrixSays() throws IOException {
        open(captureReport);
        List<JsonNode> pairs = MatrixJson.pairs(captureInput);
        TreeSet<String> all = addresses(captureInput);
        assertThat(colours().values()).allSatisfy(c -> assertThat(c[0]).isEmpty());
        web.sendKeys(web.find("#tree .node[data-addr='0000:03:00.0']"), WebDriver.ENTER);
        assertColouredFor("0000:03:00.0", pairs, all);
        assertThat(colours().get("0000:04:00.0")[2]).as("the letter, not only the colour").isEqualTo("B");
        assertThat(colours().get("0000:00:1f.2")[2]).isEqualTo("X");
        // moving down to a client shows its path and reasons
        web.sendKeys(web.find("#tree .node[data-addr='0000:03:00.0']"), WebDriver.ARROW_DOWN);
        web.sendKeys(web.find("#tree .node[data-addr='0000:02:01.0']"), WebDriver.ARROW_DOWN);
        JsonNode pair = pairs.stream().filter(p -> p.get("provider").asString().equals("0000:03:00.0")
                && p.get("client").asString().equals("0000:04:00.0")).findFirst().orElseThrow();
        assertThat(web.text(web.find("#details-body"))).contains("path: " + String.join(" \u2192 ", strings(pair.get("path"))));
        assertThat(strings(web.execute("return Array.from(document.querySelectorAll('#tree .node.onpath')).map(e => "
                + "e.getAttribute('data-addr'))"))).containsExactlyInAnyOrderElementsOf(strings(pair.get("path")));
        assertThat(web.attribute(web.find("#route polyline"), "points")).isNotBlank();
        screenshot("capture-keyboard-provider");
    }

    @Test
    void clickingAnotherEndpointOrPickingItInTheChooserRecoloursTheTree() {
        open(captureReport);
        List<JsonNode> pairs = MatrixJson.pairs(captureInput);
        TreeSet<String> all = addresses(captureInput);
        web.click(web.find("#tree .node[data-addr='0000:00:1f.2']"));
        assertColouredFor("0000:00:1f.2", pairs, all);
        web.sendKeys(web.find("#provider"), "0000:04:00.0");
        assertColouredFor("0000:04:00.0", pairs, all);
    }

    @Test
    void aLinkChoosesThePairAndTheMatrixIsWalkedWithArrowKeys() {
        web.navigate("about:blank");
        web.navigate(captureReport.toUri() + "#provider=0000:03:00.0&client=0000:00:1f.2");
        assertThat(colours().get("0000:03:00.0")[0]).isEqualTo("P");
        assertThat(web.text(web.find("#details-body"))).contains("0000:03:00.0 \u2192 0000:00:1f.2: X NOT_SUPPORTED, distance 5");
        WebDriver.Element first = web.find("#matrix td.cell[data-p='0000:00:1f.2'][data-c='0000:00:1f.2']");
        web.sendKeys(first, "\uE014");
        assertThat(web.execute("return document.activeElement.getAttribute('data-c')").asString()).isEqualTo("0000:00:1f.3");
        assertThat(web.text(web.find("#details-body"))).contains("0000:00:1f.2 \u2192 0000:00:1f.3: X NOT_SUPPORTED, distance 2");
        assertThat(colours().get("0000:00:1f.2")[0]).as("a cell's row is its provider").isEqualTo("P");
    }

    /** The line {@code explain} prints for one runtime object of the matrix JSON. */
    private static String runtimeLine(String label, JsonNode r) {
        return label + ": " + r.get("decision").asString() + ": " + r.get("reason").asString()
                + (r.has("differs_from_kernel") ? "; differs from the kernel: " + r.get("differs_from_kernel").asString() : "");
    }

    @Test
    void theDetailsPaneShowsWhatEachRuntimeDecidesForThePairAsTheMatrixJsonSays() {
        web.navigate("about:blank");
        web.navigate(captureReport.toUri() + "#provider=0000:03:00.0&client=0000:04:00.0");
        String details = web.text(web.find("#details-body"));
        assertThat(details).contains("Runtimes:", "nvidia-smi: PIX: ", "NCCL: P2P: path PIX is within level PXB", "GDS: P2P: ");
        List<String> labels = List.of("nvidia-smi", "NCCL", "ROCm", "Xe dma-buf", "VFIO dma-buf", "GDS");
        List<String> keys = List.of("nvidia_smi", "nccl", "rocm", "xe_dmabuf", "vfio_dmabuf", "gds");
        for (JsonNode pair : MatrixJson.pairs(captureInput)) {
            List<String> want = new ArrayList<>();
            for (int k = 0; k < keys.size(); k++) {
                want.add(runtimeLine(labels.get(k), pair.get("runtimes").get(keys.get(k))));
            }
            assertThat(strings(web.execute("return P2PDMA.runtimes(arguments[0], arguments[1])", pair.get("provider").asString(),
                    pair.get("client").asString()))).as("%s -> %s", pair.get("provider"), pair.get("client")).isEqualTo(want);
        }
    }

    @Test
    void theSearchFindsADeviceByNameAndByAddress() {
        open(captureReport);
        web.sendKeys(web.find("#search"), "NVM Express");
        assertThat(strings(web.execute("return Array.from(document.querySelectorAll('#tree .node.hit')).map(e => e.getAttribute('data-addr'))")))
                .containsExactly("0000:03:00.0", "0000:04:00.0");
        assertThat(web.text(web.find("#search-status"))).startsWith("2 matches");
        web.execute("const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'))");
        web.sendKeys(web.find("#search"), "1f.3");
        assertThat(strings(web.execute("return Array.from(document.querySelectorAll('#tree .node.hit')).map(e => e.getAttribute('data-addr'))")))
                .containsExactly("0000:00:1f.3");
    }

    @Test
    void enterOnASwitchPortFoldsAndUnfoldsItsSubtree() {
        open(captureReport);
        WebDriver.Element upstream = web.find("#tree .node[data-addr='0000:01:00.0']");
        web.sendKeys(upstream, WebDriver.ENTER);
        assertThat(web.attribute(upstream, "aria-expanded")).isEqualTo("false");
        for (String below : List.of("0000:02:00.0", "0000:03:00.0", "0000:02:01.0", "0000:04:00.0")) {
            assertThat(web.execute("return P2PDMA.isHidden(arguments[0])", below).asBoolean()).as(below).isTrue();
            assertThat(web.execute("return getComputedStyle(document.querySelector(\"#tree .node[data-addr='\" + arguments[0] + \"']\")).display",
                    below).asString()).isEqualTo("none");
        }
        web.sendKeys(upstream, WebDriver.SPACE);
        assertThat(web.attribute(upstream, "aria-expanded")).isEqualTo("true");
        assertThat(web.execute("return P2PDMA.isHidden('0000:04:00.0')").asBoolean()).isFalse();
    }

    @Test
    void namesWithMarkupCharactersAreShownAsText() {
        open(captureReport);
        assertThat(web.execute("return document.querySelector(\"#tree .node[data-addr='0000:03:00.0'] .name\").textContent").asString())
                .isEqualTo("Red Hat, Inc. QEMU NVM Express Controller <&\"x'>");
        assertThat(web.execute("return document.querySelectorAll('script').length").asInt()).isEqualTo(2);
    }

    @Test
    void theThousandEndpointHostIsCompleteAndUsable() throws IOException {
        open(syntheticReport);
        TreeSet<String> all = addresses(syntheticInput);
        assertThat(drawnAddresses()).isEqualTo(all).hasSize(2504);
        assertThat(web.execute("return P2PDMA.endpoints").asInt()).isEqualTo(1000);
        var t = SyntheticHost.build();
        int[] endpoints = t.matrixEndpoints();
        String provider = t.function(endpoints[300]).address().toString();
        String searched = t.function(endpoints[777]).address().toString();
        MatrixJson.Scan json = MatrixJson.scan(provider, syntheticInput);
        // every one of the million cells, checked through the page's own decoder
        assertThat(strings(web.execute("return P2PDMA.digestRows()"))).isEqualTo(json.digests()).hasSize(1000);
        // choosing a provider by keyboard in the chooser recolours every function and lists its row
        web.sendKeys(web.find("#provider"), provider);
        List<JsonNode> row = json.row();
        assertThat(row).hasSize(1000);
        assertColouredFor(provider, row, all);
        JsonNode listed = web.execute("return Array.from(document.querySelectorAll('#rowlist td.cell')).map(td => "
                + "[td.getAttribute('data-c'), td.getAttribute('data-map-type'), td.getAttribute('data-distance'), td.getAttribute('title')])");
        assertThat(listed.size()).isEqualTo(1000);
        for (int k = 0; k < 1000; k++) {
            JsonNode want = row.get(k);
            assertThat(strings(listed.get(k))).containsExactly(want.get("client").asString(), want.get("map_type").asString(),
                    String.valueOf(want.get("distance").asInt()), String.join("\n", strings(want.get("reasons"))));
        }
        assertThat(web.execute("return P2PDMA.isHidden(arguments[0])", searched).asBoolean()).as("folded at first").isTrue();
        web.sendKeys(web.find("#search"), searched);
        assertThat(strings(web.execute("return Array.from(document.querySelectorAll('#tree .node.hit')).map(e => e.getAttribute('data-addr'))")))
                .containsExactly(searched);
        assertThat(web.execute("return P2PDMA.isHidden(arguments[0])", searched).asBoolean()).as("search unfolds the way to a hit").isFalse();
        screenshot("synthetic-1000-endpoints");
    }
}
