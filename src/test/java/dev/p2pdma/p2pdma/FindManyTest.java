package dev.p2pdma.p2pdma;

import dev.p2pdma.base.KernelLog;
import static dev.p2pdma.p2pdma.ProviderFixtures.a;
import static dev.p2pdma.testing.Topo.acs;
import static dev.p2pdma.testing.Topo.noAcs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** Spec 1.13: pci_p2pmem_find_many and pci_p2pmem_find. */
class FindManyTest {

    private static final PciAddress N3 = a("0000:03:00.0");
    private static final PciAddress N4 = a("0000:04:00.0");
    private static final PciAddress N5 = a("0000:05:00.0");
    private static final PciAddress N6 = a("0000:06:00.0");

    /** A registry where the given NVMe functions registered and published their BAR2. */
    private static P2pDmaProviders published(RandomGenerator random, PciAddress... providers) {
        PciTopology t = ProviderFixtures.switchHost();
        P2pDmaProviders p = P2pDmaProviders.create(t, PhysicalMemory.forTopology(t, ProviderFixtures.RAM_BYTES), KernelLog.create(), random);
        for (PciAddress x : providers) {
            assertThat(p.registration().addResource(x, 2, 0, 0)).isEmpty();
            p.finder().publish(x, true);
        }
        return p;
    }

    /** A random source that always picks the last candidate and records the bounds it was asked for. */
    private static final class LastPick implements RandomGenerator {
        /** Bounds seen. */
        final List<Integer> bounds = new ArrayList<>();

        @Override
        public long nextLong() {
            throw new UnsupportedOperationException("only nextInt(bound) is expected");
        }

        @Override
        public int nextInt(int bound) {
            bounds.add(bound);
            return bound - 1;
        }
    }

    @Test
    void theClosestProviderWins_spec1_13() {
        P2pDmaProviders p = published(new SplittableRandom(7), N3, N4, N6);
        assertThat(p.finder().find(N4)).as("distance 0 beats 4").contains(N4);
        assertThat(p.finder().find(N3)).contains(N3);
    }

    @Test
    void distancesAreSummedOverAllClients_spec1_13() {
        LastPick pick = new LastPick();
        P2pDmaProviders p = published(pick, N3, N4, N5);
        // 03: 0 + 4, 04: 4 + 0, 05: 4 + 4
        assertThat(p.finder().findMany(List.of(N3, N4))).contains(N4);
        assertThat(pick.bounds).containsExactly(2);
    }

    @Test
    void unpublishedProvidersAreIgnored_spec1_13() {
        P2pDmaProviders p = published(new SplittableRandom(7), N3, N4);
        p.finder().publish(N4, false);
        assertThat(p.finder().find(N4)).contains(N3);
        p.finder().publish(N3, false);
        assertThat(p.finder().find(N4)).isEmpty();
        P2pDmaProviders registeredOnly = ProviderFixtures.withWholeBar("0000:04:00.0");
        assertThat(registeredOnly.finder().find(N4)).as("registered but never published").isEmpty();
    }

    @Test
    void providersTheClientsCannotReachAreSkipped_spec1_13() {
        P2pDmaProviders p = published(new SplittableRandom(7), N6);
        assertThat(p.finder().find(N4)).as("06:00.0 is NOT_SUPPORTED for 04:00.0 (distance -1)").isEmpty();
        P2pDmaProviders both = published(new SplittableRandom(7), N6, N5);
        assertThat(both.finder().find(N4)).contains(N5);
        assertThat(both.finder().findMany(List.of(N4, N6))).as("each provider is unreachable from one of the clients").isEmpty();
    }

    @Test
    void noClientsOrANonPciClientFindNothing_spec1_13() {
        P2pDmaProviders p = published(new SplittableRandom(7), N3, N4);
        assertThat(p.finder().findMany(List.of())).isEmpty();
        assertThat(p.finder().findMany(List.of(N4, a("0001:00:00.0")))).isEmpty();
    }

    @Test
    void tiesAreBrokenByTheInjectedRandomSourceInEnumerationOrder_spec1_13() {
        for (long seed = 0; seed < 20; seed++) {
            PciAddress expected = new SplittableRandom(seed).nextInt(2) == 0 ? N3 : N5;
            assertThat(published(new SplittableRandom(seed), N3, N5).finder().find(N4)).as("seed " + seed).contains(expected);
        }
        Set<PciAddress> seen = new HashSet<>();
        P2pDmaProviders p = published(new SplittableRandom(99), N3, N5);
        for (int i = 0; i < 64; i++) {
            seen.add(p.finder().find(N4).orElseThrow());
        }
        assertThat(seen).as("both tied providers are chosen").containsExactlyInAnyOrder(N3, N5);
        LastPick last = new LastPick();
        assertThat(published(last, N5, N3).finder().find(N4)).as("candidates follow enumeration order, not registration order").contains(N5);
        assertThat(last.bounds).containsExactly(2);
    }

    @Test
    void findComputesWithoutLoggingAndCachesTheMapTypes_spec1_13_spec1_11() {
        P2pDmaProviders p = published(new SplittableRandom(7), N6, N3);
        int n6 = p.topology().indexOf(N6);
        p.finder().find(N4);
        assertThat(p.log().lines()).as("only the add_resource lines; find is not verbose").hasSize(2);
        assertThat(p.mapTypes().cachedPairs(n6)).as("NOT_SUPPORTED is cached too").isEqualTo(1);
        KernelLog later = KernelLog.create();
        assertThat(p.mapType(N6, N4, later)).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(later.lines()).as("a cached type is not recomputed verbosely").isEmpty();
    }

    @Test
    void atMost512TiedCandidatesAreKept_spec1_13() {
        PciTopology t = manyProviders();
        PciAddress client = a("0000:03:00.0");
        List<PciAddress> providers = new ArrayList<>();
        for (PciFunction f : t.functions()) {
            if (f.address().bus() >= 4) {
                providers.add(f.address());
            }
        }
        assertThat(providers).hasSize(768);
        LastPick last = new LastPick();
        P2pDmaProviders p = P2pDmaProviders.create(t, PhysicalMemory.forTopology(t, ProviderFixtures.RAM_BYTES), KernelLog.discard(), last);
        for (PciAddress x : providers) {
            assertThat(p.registration().addResource(x, 0, 0, 0)).isEmpty();
            p.finder().publish(x, true);
        }
        assertThat(p.finder().find(client)).as("the 512th candidate in enumeration order").contains(a("0000:05:1f.7"));
        assertThat(last.bounds).containsExactly(P2pMemFind.MAX_CANDIDATES);
        assertThat(P2pMemFind.MAX_CANDIDATES).isEqualTo(512);
        for (long seed = 0; seed < 50; seed++) {
            P2pDmaProviders r = P2pDmaProviders.create(t, PhysicalMemory.forTopology(t, ProviderFixtures.RAM_BYTES), KernelLog.discard(),
                    new SplittableRandom(seed));
            for (int k = 0; k < providers.size(); k++) {
                r.registration().addResource(providers.get(k), 0, 0, 0);
                r.finder().publish(providers.get(k), true);
            }
            assertThat(r.finder().find(client).orElseThrow().bus()).as("seed " + seed + ": bus 6 is past the cap").isIn(4, 5);
        }
    }

    /**
     * Root port 00:04.0, switch 01:00.0 with downstream ports 02:00.0-02:03.0 to buses 3-6; bus 3
     * holds the client 03:00.0, buses 4-6 hold 256 functions each with a 2 MiB BAR0: 768
     * providers all at distance 4 from the client.
     */
    private static PciTopology manyProviders() {
        Topo topo = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST).rootPort("0000:00:04.0", 1, acs(0x1d))
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "0000:00:04.0");
        for (int port = 0; port < 4; port++) {
            topo.bridge(String.format("0000:02:%02x.0", port), PortType.DOWNSTREAM_PORT, 3 + port, noAcs(), "0000:01:00.0");
        }
        topo.endpoint("0000:03:00.0", "0000:02:00.0", noAcs());
        long next = 0x10_0000_0000L;
        for (int bus = 4; bus <= 6; bus++) {
            for (int devfn = 0; devfn < 256; devfn++) {
                PciAddress x = PciAddress.ofDevfn(0, bus, devfn);
                PciFunction f = PciFunction.builder(x).ids(0x1b36, 0x0010).classCode(0x010802).headerType(devfn == 0 ? 0x80 : 0)
                        .portType(PortType.ENDPOINT).acs(AcsState.ABSENT).driver("nvme")
                        .bars(List.of(new Bar(0, next, 2L << 20, true, true, true))).build();
                next += 2L << 20;
                topo.add(f, new Parent.Bridge(a(String.format("0000:02:%02x.0", bus - 3))));
            }
        }
        return topo.build();
    }
}
