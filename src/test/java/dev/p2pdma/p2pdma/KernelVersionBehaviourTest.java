package dev.p2pdma.p2pdma;

import static dev.p2pdma.p2pdma.ProviderFixtures.a;
import static dev.p2pdma.p2pdma.ProviderFixtures.nvme;
import static dev.p2pdma.testing.Topo.acs;
import static dev.p2pdma.testing.Topo.noAcs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.base.KernelLog;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Spec 12.1 M13, M3/M4 and M15: the version changes that alter a log line or the set of providers:
 * the quiet "not in P2PDMA whitelist" warning (until ~7.4), providers without a pool (6.19) and
 * the p2pmem search restricted to pool-backed providers (~7.4).
 */
class KernelVersionBehaviourTest {

    private static final String WL_MISS = "pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:29c0";

    /**
     * q35 host (not whitelisted), root port 00:04.0, a switch whose downstream ports 02:00.0 and
     * 02:01.0 have ACS redirect on, NVMe 03:00.0 and 04:00.0 below them (NOT_SUPPORTED between them,
     * through the redirect), 05:00.0 bound to vfio-pci and 06:00.0 below two non-redirecting ports
     * (BUS_ADDR between them).
     */
    private static PciTopology redirectingSwitch() {
        return Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, acs(0x1d))
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "0000:00:04.0")
                .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, acs(0x1d), "0000:01:00.0")
                .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 4, acs(0x1d), "0000:01:00.0")
                .bridge("0000:02:02.0", PortType.DOWNSTREAM_PORT, 5, noAcs(), "0000:01:00.0")
                .add(nvme("0000:03:00.0", 0x1_0000_0000L), new Parent.Bridge(a("0000:02:00.0")))
                .add(nvme("0000:04:00.0", 0x1_0400_0000L), new Parent.Bridge(a("0000:02:01.0")))
                .add(nvme("0000:05:00.0", 0x1_0800_0000L).toBuilder().driver("vfio-pci").build(), new Parent.Bridge(a("0000:02:02.0")))
                .bridge("0000:02:03.0", PortType.DOWNSTREAM_PORT, 6, noAcs(), "0000:01:00.0")
                .add(nvme("0000:06:00.0", 0x1_0c00_0000L), new Parent.Bridge(a("0000:02:03.0")))
                .build();
    }

    private static P2pDmaDecision decision(PciTopology t, String version) {
        return P2pDmaDecision.of(t, DecisionOptions.defaults().withKernel(KernelVersion.parse(version)));
    }

    private static int idx(PciTopology t, String addr) {
        return t.indexOf(PciAddress.parse(addr));
    }

    private static P2pDmaProviders providers(PciTopology t, String version, KernelLog log) {
        return P2pDmaProviders.create(decision(t, version), PhysicalMemory.forTopology(t, ProviderFixtures.RAM_BYTES), log, new SplittableRandom(3));
    }

    @Test
    void aQuietDistanceCallPrintsTheWhitelistWarningUntilItIsGatedOnVerbose_spec12_1_M13() {
        PciTopology t = redirectingSwitch();
        int[] clients = {idx(t, "0000:04:00.0")};
        KernelLog old = KernelLog.create();
        assertThat(decision(t, "6.12").distanceMany(idx(t, "0000:03:00.0"), clients, false, old)).isEqualTo(-1);
        assertThat(old.lines()).containsExactly(WL_MISS);
        KernelLog gated = KernelLog.create();
        assertThat(decision(t, "7.4").distanceMany(idx(t, "0000:03:00.0"), clients, false, gated)).isEqualTo(-1);
        assertThat(gated.lines()).isEmpty();
        KernelLog verbose = KernelLog.create();
        decision(t, "7.4").distanceMany(idx(t, "0000:03:00.0"), clients, true, verbose);
        assertThat(verbose.lines()).contains(WL_MISS);
    }

    @Test
    void theP2pmemSearchRepeatsTheWarningOnEverySweepBefore7_4_spec12_1_M13() {
        PciTopology t = redirectingSwitch();
        for (String version : List.of("6.12", "7.3", "7.4", "next")) {
            KernelLog log = KernelLog.create();
            P2pDmaProviders p = providers(t, version, log);
            assertThat(p.registration().addResource(a("0000:03:00.0"), 2, 0, 0)).isEmpty();
            p.finder().publish(a("0000:03:00.0"), true);
            int before = log.lines().size();
            assertThat(p.finder().find(a("0000:04:00.0"))).isEmpty();
            assertThat(p.finder().find(a("0000:04:00.0"))).isEmpty();
            List<String> printed = log.lines().subList(before, log.lines().size());
            if (KernelVersion.parse(version).has(KernelChange.WHITELIST_WARNING_VERBOSE_ONLY)) {
                assertThat(printed).as(version).isEmpty();
            } else {
                assertThat(printed).as(version).containsExactly(WL_MISS, WL_MISS);
            }
        }
    }

    @Test
    void vfioPciDevicesBecomeProvidersWithoutAPoolFrom6_19_spec12_1_M3_M4() {
        PciTopology t = redirectingSwitch();
        KernelLog log = KernelLog.create();
        P2pDmaProviders old = providers(t, "6.18", log);
        assertThatThrownBy(() -> old.initWithoutPool(a("0000:05:00.0"))).isInstanceOf(IllegalStateException.class).hasMessageContaining("6.19");
        assertThat(old.mapType(a("0000:05:00.0"), a("0000:06:00.0"), log)).as("no record").isEqualTo(MapType.NOT_SUPPORTED);
        P2pDmaProviders now = providers(t, "6.19", log);
        assertThat(now.initWithoutPool(a("0000:05:00.0"))).isEmpty();
        assertThat(now.initWithoutPool(a("0000:05:00.0"))).as("idempotent").isEmpty();
        assertThat(now.provider(a("0000:05:00.0"))).hasValueSatisfying(p -> {
            assertThat(p.poolBacked()).isFalse();
            assertThat(p.sizeBytes()).isZero();
        });
        assertThat(now.mapType(a("0000:05:00.0"), a("0000:06:00.0"), log)).as("the path decides").isEqualTo(MapType.BUS_ADDR);
        assertThat(now.registration().addResource(a("0000:05:00.0"), 2, 0, 0)).isEmpty();
        assertThat(now.provider(a("0000:05:00.0")).orElseThrow().poolBacked()).as("a later registration adds the pool").isTrue();
    }

    @Test
    void theP2pmemSearchSkipsPublishedProvidersWithoutAPoolFrom7_4_spec12_1_M15() {
        PciTopology t = redirectingSwitch();
        for (String version : List.of("6.19", "7.3", "7.4", "next")) {
            P2pDmaProviders p = providers(t, version, KernelLog.create());
            assertThat(p.initWithoutPool(a("0000:05:00.0"))).isEmpty();
            p.finder().publish(a("0000:05:00.0"), true);
            boolean poolOnly = KernelVersion.parse(version).has(KernelChange.P2PMEM_FIND_POOL_BACKED_ONLY);
            assertThat(p.finder().hasP2pmem(a("0000:05:00.0"))).as(version).isEqualTo(!poolOnly);
            assertThat(p.finder().find(a("0000:06:00.0")).isPresent()).as(version).isEqualTo(!poolOnly);
        }
    }
}
