package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.testing.RealMachines;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every topology under ../shared/real-machines (as {@link RealMachines} finds them: a file that is
 * neither an input nor on its documented list fails) goes through {@code topo} and {@code matrix}
 * and gives what the tree says it must: one row and one column per non-bridge function (class
 * other than 0x06) in address order, each label naming that function, cells whose kinds add up to
 * the summary line's {@code pairs: N (BUS a, HB b, NO c)} with N = rows squared, the JSON pairs
 * equal to the text grid, a note for every assumption the input forces, and the facts the
 * real-machines README states about each file.
 */
class RealMachinesTest {

    /** JSON reader. */
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** One cell of the text grid: map type abbreviation and distance. */
    private static final Pattern CELL = Pattern.compile("(BUS|HB|NO)(\\d+)");
    /** The summary line under the grid. */
    private static final Pattern SUMMARY = Pattern.compile("(?m)^pairs: ([\\d,]+) \\(BUS ([\\d,]+), HB ([\\d,]+), NO ([\\d,]+)\\)$");
    /** The unknown-ACS note: unknown count and function count. */
    private static final Pattern ACS_NOTE = Pattern.compile("(?m)^note: +ACS unknown on (\\d+) of (\\d+) functions: assumed no redirect");

    /**
     * The text matrix of one input, parsed.
     *
     * @param rows  the matrix endpoints in row order
     * @param types per row and column: BUS, HB or NO
     * @param dists per row and column: the distance
     * @param text  the whole output
     */
    private record Grid(List<PciAddress> rows, String[][] types, int[][] dists, String text) {
        /** The number of cells of a kind. */
        int count(String kind) {
            int n = 0;
            for (String[] r : types) {
                for (String k : r) {
                    n += k.equals(kind) ? 1 : 0;
                }
            }
            return n;
        }
    }

    /** Facts the real-machines README states about single files, checked on top of the rules every file follows. */
    private static final Map<String, BiConsumer<PciTopology, Grid>> README_FACTS = Map.of(
            "2pa-pcidomain32bits.tar.bz2", (t, g) -> assertThat(g.rows()).as("a function in a 32-bit PCI domain")
                    .anyMatch(a -> Integer.toUnsignedLong(a.domain()) > 0xffff),
            "32intel64-2p8co2t+8ve.tar.bz2", (t, g) -> {
                // two switches, five devices under each: each reaches the four others through its switch at BUS_ADDR, distance 4
                int withFourSwitchPeers = 0;
                for (int i = 0; i < g.rows().size(); i++) {
                    int peers = 0;
                    for (int j = 0; j < g.rows().size(); j++) {
                        peers += i != j && g.types()[i][j].equals("BUS") && g.dists()[i][j] == 4 ? 1 : 0;
                    }
                    withFourSwitchPeers += peers == 4 ? 1 : 0;
                }
                assertThat(withFourSwitchPeers).isEqualTo(10);
            },
            "nvidiaDGX2.xml", (t, g) -> assertThat(g.rows().stream().filter(a -> t.function(a).orElseThrow().classCode() >>> 8 == 0x0302))
                    .as("the DGX-2's 16 GPUs (3D controllers) are matrix rows").hasSize(16),
            "power8gpudistances.xml", (t, g) -> {
                assertThat(g.text()).contains("note:   architecture: ppc64le");
                assertThat(g.count("HB")).as("not x86: no CPU rule, and POWER host bridges are not whitelisted").isZero();
            },
            "16intel64-manyVFs.xml", (t, g) -> assertThat(g.text()).contains("does not mark SR-IOV virtual functions"),
            "tree-asus-p6t6", (t, g) -> {
                assertThat(g.text()).as("full 4 KiB config spaces: ACS is known").doesNotContain("ACS unknown");
                assertThat(t.functions()).as("root ports with ACS").anyMatch(f -> f.acs() instanceof AcsState.Present);
            },
            "PCI-X-bridges-and-domains", (t, g) -> assertThat(g.rows().stream().map(PciAddress::domain).distinct())
                    .as("several PCI domains").hasSizeGreaterThanOrEqualTo(3),
            "cap-dpc", (t, g) -> assertThat(g.rows()).as("a lone switch port: nothing to pair").isEmpty());

    @TestFactory
    List<DynamicTest> everyRealMachineGivesOneRowPerNonBridgeFunctionAndPairsThatAddUp() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (RealMachines.Input in : RealMachines.all()) {
            names.add(in.name());
            tests.add(DynamicTest.dynamicTest(in.name(), () -> {
                PciTopology t = in.load();
                String path = in.path().toString();
                Cli topo = Cli.run("topo", in.kind().flag(), path);
                assertThat(topo.status()).as(topo.err()).isZero();
                assertThat(topo.out()).startsWith("source:");
                for (PciFunction f : t.functions()) {
                    assertThat(topo.out()).as("the tree shows every function").contains(f.address().toString());
                }
                Cli matrix = Cli.run("matrix", in.kind().flag(), path);
                assertThat(matrix.status()).as(matrix.err()).isZero();
                Grid g = parse(t, matrix.out());
                checkAssumptionNotes(in, t, matrix.out());
                checkJsonEqualsGrid(in, g);
                README_FACTS.getOrDefault(in.name(), (x, y) -> { }).accept(t, g);
            }));
        }
        assertThat(names).as("README facts name existing files").containsAll(README_FACTS.keySet());
        // README lists 11 real-machine inputs (hwloc and lspci); more may come, none may go
        assertThat(tests).hasSizeGreaterThanOrEqualTo(11);
        return tests;
    }

    @Test
    void theSameMachineAsSysfsDumpAndAsHwlocXmlGivesTheSameGrid() throws Exception {
        String dir = RealMachines.root().resolve("hwloc").toString();
        Cli sysfs = Cli.run("matrix", "--sysfs", dir + "/40intel64-2g2n4c+pcilocality.tar.bz2");
        Cli xml = Cli.run("matrix", "--hwloc", dir + "/40intel64-2g2n4c+pcilocality.xml");
        assertThat(sysfs.status()).as(sysfs.err()).isZero();
        assertThat(xml.status()).as(xml.err()).isZero();
        assertThat(gridText(xml.out())).isNotEmpty().isEqualTo(gridText(sysfs.out()));
    }

    /** The grid and summary lines, from the header to the summary. */
    private static String gridText(String out) {
        int from = out.indexOf("provider\\client");
        int to = out.indexOf("\n", out.indexOf("\npairs: ") + 1);
        return from < 0 || to < 0 ? "" : out.substring(from, to);
    }

    /** Parses the text grid and checks its shape against the tree and its summary line. */
    private static Grid parse(PciTopology t, String out) {
        List<PciAddress> endpoints = t.functions().stream().filter(f -> f.classCode() >>> 16 != 0x06).map(PciFunction::address).sorted().toList();
        if (endpoints.isEmpty()) {
            assertThat(out).contains("no non-bridge PCI functions").doesNotContain("provider\\client").doesNotContainPattern(SUMMARY);
            return new Grid(endpoints, new String[0][0], new int[0][0], out);
        }
        int n = endpoints.size();
        List<String> lines = out.lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("provider\\client ")).findFirst().orElseThrow());
        List<String> columnLabels = List.of(lines.get(header).trim().split(" +")).subList(1, n + 1);
        assertThat(List.of(lines.get(header).trim().split(" +"))).as("one column per non-bridge function").hasSize(n + 1);
        boolean allDomainZero = endpoints.stream().allMatch(a -> a.domain() == 0);
        List<PciAddress> named = columnLabels.stream().map(l -> resolve(t, l, allDomainZero)).toList();
        assertThat(named).as("column labels name the non-bridge functions in address order").isEqualTo(endpoints);
        String[][] types = new String[n][n];
        int[][] dists = new int[n][n];
        for (int i = 0; i < n; i++) {
            String[] tokens = lines.get(header + 1 + i).trim().split(" +");
            assertThat(resolve(t, tokens[0], allDomainZero)).as("row label " + i).isEqualTo(endpoints.get(i));
            assertThat(tokens.length).as("row " + tokens[0]).isGreaterThanOrEqualTo(n + 1);
            for (int j = 0; j < n; j++) {
                Matcher m = CELL.matcher(tokens[tokens.length - n + j]);
                assertThat(m.matches()).as("row " + tokens[0] + " cell " + j + ": " + tokens[tokens.length - n + j]).isTrue();
                types[i][j] = m.group(1);
                dists[i][j] = Integer.parseInt(m.group(2));
            }
        }
        assertThat(lines.get(header + 1 + n)).as("the grid has exactly one row per function").isEmpty();
        Grid g = new Grid(endpoints, types, dists, out);
        for (int i = 0; i < n; i++) {
            assertThat(dists[i][i]).as("spec 11.6: a function with itself is distance 0: " + endpoints.get(i)).isZero();
            for (int j = 0; j < n; j++) {
                assertThat(dists[i][j]).as("spec 1.9: steps up plus steps down is the same both ways: " + endpoints.get(i) + ", " + endpoints.get(j))
                        .isEqualTo(dists[j][i]);
            }
        }
        Matcher s = SUMMARY.matcher(out);
        assertThat(s.find()).as("summary line").isTrue();
        assertThat(number(s.group(1))).as("pairs = rows squared").isEqualTo(n * n);
        assertThat(number(s.group(2))).as("BUS").isEqualTo(g.count("BUS"));
        assertThat(number(s.group(3))).as("HB").isEqualTo(g.count("HB"));
        assertThat(number(s.group(4))).as("NO").isEqualTo(g.count("NO"));
        return g;
    }

    /** A count as the summary prints it, with thousands separators. */
    private static int number(String digits) {
        return Integer.parseInt(digits.replace(",", ""));
    }

    /** The function a label names: its address, without the domain when every endpoint is in domain 0. */
    private static PciAddress resolve(PciTopology t, String label, boolean allDomainZero) {
        String full = allDomainZero ? "0000:" + label : label;
        for (PciFunction f : t.functions()) {
            if (f.address().toString().equals(full)) {
                return f.address();
            }
        }
        throw new AssertionError("label " + label + " names no function of the tree");
    }

    /** Every input lacks something, and the output says what was assumed. */
    private static void checkAssumptionNotes(RealMachines.Input in, PciTopology t, String out) {
        long unknown = t.functions().stream().filter(f -> f.acs() instanceof AcsState.Unknown).count();
        Matcher m = ACS_NOTE.matcher(out);
        if (unknown == 0) {
            assertThat(m.find()).as("no ACS note when every function's ACS is known").isFalse();
        } else {
            assertThat(m.find()).as("ACS note").isTrue();
            assertThat(Long.parseLong(m.group(1))).isEqualTo(unknown);
            assertThat(Integer.parseInt(m.group(2))).isEqualTo(t.size());
        }
        switch (in.kind()) {
            case HWLOC -> {
                assertThat(out).contains("note:   hwloc XML records no config space");
                assertThat(unknown).as("hwloc XML has no ACS for any function").isEqualTo(t.size());
            }
            case SYSFS -> {
                assertThat(out).contains("note:   sys/kernel/iommu_groups is missing: whether an IOMMU was active is unknown");
                assertThat(unknown).as("config files captured without root: some ACS unknown").isPositive();
            }
            case LSPCI -> assertThat(out).contains("note:   CPU and kernel command line are unknown: an lspci dump does not record them");
        }
    }

    /** The JSON matrix (built from the narrated verdicts) has the text grid's pairs, cell for cell. */
    private static void checkJsonEqualsGrid(RealMachines.Input in, Grid g) {
        Cli json = Cli.run("matrix", in.kind().flag(), in.path().toString(), "--format", "json");
        assertThat(json.status()).as(json.err()).isZero();
        JsonNode pairs = JSON.readTree(json.out()).get("pairs");
        int n = g.rows().size();
        assertThat(pairs.size()).isEqualTo(n * n);
        Map<String, String> kinds = new HashMap<>(Map.of("BUS_ADDR", "BUS", "THRU_HOST_BRIDGE", "HB", "NOT_SUPPORTED", "NO"));
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                JsonNode p = pairs.get(k++);
                String where = g.rows().get(i) + " -> " + g.rows().get(j);
                assertThat(p.get("provider").asString()).as(where).isEqualTo(g.rows().get(i).toString());
                assertThat(p.get("client").asString()).as(where).isEqualTo(g.rows().get(j).toString());
                assertThat(kinds.get(p.get("map_type").asString())).as(where).isEqualTo(g.types()[i][j]);
                assertThat(p.get("distance").asInt()).as(where).isEqualTo(g.dists()[i][j]);
            }
        }
    }
}
