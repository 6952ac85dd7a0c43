package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Every conformance case's capture.tar.gz imports and agrees with the case's expected.json and
 * lspci-tvnn.txt. New case directories are picked up without code changes.
 */
class SysfsConformanceImportTest {

    /** A function in lspci -t output: "-04.0" after a tree branch. */
    private static final Pattern LSPCI_FUNCTION = Pattern.compile("-[0-9a-f]{2}\\.[0-7]");
    /** The dmesg line of a registered p2pmem BAR. */
    private static final Pattern ADDED_P2P = Pattern.compile(
            "\\S+ (\\S+): added peer-to-peer DMA memory 0x([0-9a-f]+)-0x([0-9a-f]+)");

    static Stream<String> cases() throws IOException {
        Path dir = CaptureFixture.shared().resolve("conformance");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("capture.tar.gz")))
                    .map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @Test
    void theConformanceCasesArePresent() throws IOException {
        assertThat(cases().count()).isGreaterThanOrEqualTo(45);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void captureImportsWithTheFunctionsOfTheCase(String name) throws Exception {
        Case c = load(name);
        Set<PciAddress> endpoints = new TreeSet<>();
        for (int i : c.topology.matrixEndpoints()) {
            endpoints.add(c.topology.function(i).address());
        }
        Set<PciAddress> calc = new TreeSet<>();
        for (JsonNode pair : c.expected.get("calc")) {
            calc.add(PciAddress.parse(pair.get("provider").asString()));
            calc.add(PciAddress.parse(pair.get("client").asString()));
        }
        assertThat(endpoints).isEqualTo(calc);
        Matcher m = LSPCI_FUNCTION.matcher(Files.readString(c.dir.resolve("lspci-tvnn.txt")));
        int lspciFunctions = 0;
        while (m.find()) {
            lspciFunctions++;
        }
        assertThat(c.topology.size()).isEqualTo(lspciFunctions);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void machineFactsEqualExpectedJson(String name) throws Exception {
        Case c = load(name);
        JsonNode cpu = c.expected.get("cpu");
        assertThat(c.topology.machine().cpu()).hasValueSatisfying(actual -> {
            assertThat(actual.vendor()).isEqualTo(cpu.get("vendor").asString());
            assertThat(actual.family()).isEqualTo(cpu.get("family").asInt());
            assertThat(actual.modelName()).isEqualTo(cpu.get("model_name").asString());
        });
        assertThat(c.topology.machine().cmdline()).hasValue(c.expected.get("cmdline").asString());
        assertThat(c.topology.machine().kernelRelease()).hasValue(c.expected.get("kernel").asString());
        assertThat(c.topology.machine().iommuActive()).hasValue(c.expected.get("iommu").asString().equals("on"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void iommuGroupsEqualExpectedJson(String name) throws Exception {
        Case c = load(name);
        Map<Integer, List<PciAddress>> expected = new TreeMap<>();
        for (Map.Entry<String, JsonNode> g : c.expected.get("iommu_groups").properties()) {
            List<PciAddress> members = new ArrayList<>();
            g.getValue().forEach(n -> members.add(PciAddress.parse(n.asString())));
            expected.put(Integer.parseInt(g.getKey()), members);
        }
        assertThat(c.topology.machine().iommuGroups()).isEqualTo(expected);
        for (Map.Entry<Integer, List<PciAddress>> g : expected.entrySet()) {
            for (PciAddress a : g.getValue()) {
                assertThat(c.topology.function(a).orElseThrow().iommuGroup()).hasValue(g.getKey());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void parentsAgreeWithBridgeBusNumbers(String name) throws Exception {
        PciTopology t = load(name).topology;
        for (int i = 0; i < t.size(); i++) {
            PciFunction f = t.function(i);
            int p = t.parent(i);
            if (p < 0) {
                assertThat(f.address().bus()).as("%s on a root bus", f.address()).isEqualTo(t.hostBridgeOf(i).rootBus());
            } else {
                assertThat(t.function(p).busRange()).as("parent of %s", f.address())
                        .hasValueSatisfying(r -> assertThat(r.contains(f.address().bus())).isTrue());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void acsControlShowsWhatTheKernelDidAtBoot(String name) throws Exception {
        PciTopology t = load(name).topology;
        boolean iommuOn = name.contains("iommu_on");
        for (PciFunction f : t.functions()) {
            assertThat(f.acs()).as("%s has a full config space", f.address()).isNotInstanceOf(AcsState.Unknown.class);
            if (f.acs() instanceof AcsState.Present p) {
                assertThat(f.portType()).isEqualTo(PortType.ROOT_PORT);
                boolean redirectCleared = name.endsWith("acsredir_off")
                        || name.endsWith("acsredir_bdf") && f.address().equals(PciAddress.parse("0000:00:04.0"));
                // as captured from 6.12.117: with an IOMMU the kernel sets SV|RR|CR|UF (0x001d); a port named
                // by pci=disable_acs_redir ends up with the whole control register at 0
                int expected = iommuOn && !redirectCleared ? Acs.SV | Acs.RR | Acs.CR | Acs.UF : 0;
                assertThat(p.controlBits()).as("ACS control of %s", f.address()).isEqualTo(expected);
            }
        }
        if (name.startsWith("rpmf_noacs")) {
            assertThat(t.function(PciAddress.parse("0000:00:04.0")).orElseThrow().acs()).isEqualTo(AcsState.ABSENT);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void p2pmemProvidersAndTheirBarsMatchTheKernelLog(String name) throws Exception {
        Case c = load(name);
        Set<PciAddress> providers = new TreeSet<>();
        c.expected.get("o_direct").forEach(o -> providers.add(PciAddress.parse(o.get("provider").asString())));
        Set<PciAddress> withP2pmem = c.topology.functions().stream().filter(f -> f.p2pmem().isPresent())
                .map(PciFunction::address).collect(Collectors.toCollection(TreeSet::new));
        assertThat(withP2pmem).isEqualTo(providers);
        int seen = 0;
        for (JsonNode line : c.expected.get("dmesg")) {
            Matcher m = ADDED_P2P.matcher(line.asString());
            if (m.find()) {
                seen++;
                PciFunction f = c.topology.function(PciAddress.parse(m.group(1))).orElseThrow();
                long start = Long.parseUnsignedLong(m.group(2), 16);
                long end = Long.parseUnsignedLong(m.group(3), 16);
                assertThat(f.bars()).anySatisfy(b -> {
                    assertThat(b.cpuAddress()).isEqualTo(start);
                    assertThat(b.cpuEnd()).isEqualTo(end);
                    assertThat(b.memory()).isTrue();
                    assertThat(b.prefetchable()).isTrue();
                    assertThat(b.is64Bit()).isTrue();
                });
                assertThat(f.p2pmem().orElseThrow().sizeBytes()).isEqualTo(end - start + 1);
                assertThat(f.p2pmem().orElseThrow().published()).isTrue();
            }
        }
        assertThat(seen).isEqualTo(providers.size());
        for (PciFunction f : c.topology.functions()) {
            for (Bar b : f.bars()) {
                assertThat(b.sizeBytes()).isPositive();
            }
        }
    }

    /** One case: its directory, expected.json and the imported topology. */
    private record Case(Path dir, JsonNode expected, PciTopology topology) {
    }

    private static Case load(String name) throws Exception {
        Path dir = CaptureFixture.shared().resolve("conformance").resolve(name);
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        return new Case(dir, expected, SysfsImporter.read(dir.resolve("capture.tar.gz")));
    }
}
