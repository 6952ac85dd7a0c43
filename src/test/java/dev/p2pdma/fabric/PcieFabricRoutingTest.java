package dev.p2pdma.fabric;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaTranslation;
import dev.p2pdma.iommu.IommuDomain;
import dev.p2pdma.iommu.IommuDomainFlushMode;
import dev.p2pdma.iommu.IommuFaultReason;
import dev.p2pdma.iommu.IommuProt;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.pci.Acs;
import dev.p2pdma.testing.Topo;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * How the fabric routes a device's memory request (issue 11 part 2): a switch sends it to a peer
 * below it unless the ingress port's ACS redirects it; the root complex translates it through the
 * requester's IOMMU domain, then reaches RAM or, only if it forwards peer-to-peer, a peer BAR; a
 * request that does not complete changes nothing and every hop is recorded.
 */
class PcieFabricRoutingTest {

    /** The provider's BAR 2: CPU address. */
    private static final long BAR_CPU = 0x2_0000_0000L;
    /** The provider's BAR 2: PCI bus address (a bus offset, as on some platforms). */
    private static final long BAR_BUS = 0x1_0000_0000L;
    /** BAR size. */
    private static final long BAR_BYTES = 1L << 20;
    /** A RAM buffer. */
    private static final long RAM_BUFFER = 64L << 20;
    /** The provider, behind the switch's first downstream port. */
    private static final PciAddress PROVIDER = PciAddress.parse("0000:03:00.0");
    /** A client behind the same switch's second downstream port. */
    private static final PciAddress PEER = PciAddress.parse("0000:04:00.0");
    /** A client behind another root port. */
    private static final PciAddress OTHER_ROOT = PciAddress.parse("0000:06:00.0");

    /** A machine: root port 00:04.0 above a switch (02:00.0 over the provider, 02:01.0 over PEER), root port 00:05.0 over OTHER_ROOT. */
    private record Machine(PciTopology topology, PhysicalMemory memory) {
        static Machine of(int peerPortAcsControl, int providerPortAcsControl) {
            return of(peerPortAcsControl, providerPortAcsControl, BAR_BUS);
        }

        /** The same with the BAR's bus address {@code barBus} ({@code BAR_CPU}: no bus offset, as on x86). */
        static Machine of(int peerPortAcsControl, int providerPortAcsControl, long barBus) {
            PciFunction provider = PciFunction.builder(PROVIDER).ids(0x1b36, 0x0010).classCode(0x010802).headerType(0)
                    .portType(PortType.ENDPOINT).acs(AcsState.ABSENT).driver("nvme")
                    .bars(List.of(new Bar(2, BAR_CPU, BAR_BYTES, true, true, true))).build();
            PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                    .rootPort("0000:00:04.0", 1, Topo.noAcs())
                    .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, Topo.noAcs(), "0000:00:04.0")
                    .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, Topo.acs(providerPortAcsControl), "0000:01:00.0")
                    .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 4, Topo.acs(peerPortAcsControl), "0000:01:00.0")
                    .add(provider, new Parent.Bridge(PciAddress.parse("0000:02:00.0")))
                    .endpoint("0000:04:00.0", "0000:02:01.0", Topo.noAcs())
                    .rootPort("0000:00:05.0", 6, Topo.noAcs())
                    .endpoint("0000:06:00.0", "0000:00:05.0", Topo.noAcs())
                    .build();
            PhysicalMemory m = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 512L << 20, 0),
                    new PhysicalMemory.Region("0000:03:00.0 BAR2", PhysicalMemory.Kind.MMIO, BAR_CPU, BAR_BYTES, barBus)));
            return new Machine(t, m);
        }

        DmaDevice device(PciAddress a) {
            return DmaDevice.forPci(topology, a).dmaMaskAndCoherent(DmaMasks.bitMask(64)).build();
        }

        int index(PciAddress a) {
            return topology.indexOf(a);
        }

        PcieFabric fabric(boolean rootComplexForwards, Optional<DmaTranslation> iommu) {
            return PcieFabric.builder(topology, memory, (r, t) -> rootComplexForwards)
                    .requester(device(PEER), iommu).requester(device(OTHER_ROOT), iommu).requester(device(PROVIDER), iommu).build();
        }
    }

    private static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }

    @Test
    void aSwitchSendsAPeerRequestDownWithoutTheRootComplex_issue11part2() {
        Machine m = Machine.of(0, 0);
        PcieFabric fabric = m.fabric(false, Optional.empty());
        byte[] data = pattern(4096, 1);

        FabricTransfer t = fabric.write(m.index(PEER), BAR_BUS + 8192, data);

        assertThat(t.completed()).as("%s", t).isTrue();
        assertThat(m.memory().read(BAR_CPU + 8192, 4096)).isEqualTo(data);
        assertThat(t.hops()).extracting(FabricHop::what).anyMatch(w -> w.startsWith("switch routes the request down to 0000:03:00.0"));
        assertThat(t.hops()).extracting(FabricHop::at).doesNotContain(PcieFabric.ROOT_COMPLEX);
    }

    @Test
    void acsRequestRedirectOnTheIngressPortSendsItUpToTheRootComplex_issue11part2() {
        // no bus offset (x86): the root complex decodes the redirected address as the BAR again
        Machine m = Machine.of(Acs.RR | Acs.CR, 0, BAR_CPU);
        byte[] data = pattern(512, 2);

        FabricTransfer refused = m.fabric(false, Optional.empty()).write(m.index(PEER), BAR_CPU, data);
        assertThat(refused).isInstanceOfSatisfying(FabricTransfer.Failed.class,
                f -> assertThat(f.error()).isInstanceOf(FabricError.UnsupportedRequest.class));
        assertThat(refused.hops()).extracting(FabricHop::what).contains("ACS RR set: request redirected upstream");
        assertThat(m.memory().read(BAR_CPU, 512)).isEqualTo(new byte[512]);

        FabricTransfer forwarded = m.fabric(true, Optional.empty()).write(m.index(PEER), BAR_CPU, data);
        assertThat(forwarded.completed()).isTrue();
        assertThat(forwarded.hops()).extracting(FabricHop::at).contains(PcieFabric.ROOT_COMPLEX);
        assertThat(m.memory().read(BAR_CPU, 512)).isEqualTo(data);
    }

    @Test
    void aRedirectedBusAddressThatIsNotACpuAddressReachesNothing_issue11part2() {
        // with a bus offset the root complex reads the bus address as a system address: nothing there
        Machine m = Machine.of(Acs.RR, 0);
        FabricTransfer t = m.fabric(true, Optional.empty()).write(m.index(PEER), BAR_BUS, pattern(64, 10));
        assertThat(t).isInstanceOfSatisfying(FabricTransfer.Failed.class,
                f -> assertThat(f.error().describe()).contains("no memory at CPU address 0x100000000"));
        assertThat(m.memory().read(BAR_CPU, 64)).isEqualTo(new byte[64]);
    }

    @Test
    void underAnIommuARedirectedBusAddressFaultsAndNothingMoves_issue11part2() {
        Machine m = Machine.of(Acs.RR, 0);
        IommuDomain domain = IommuDomain.dma(1, IommuDomainFlushMode.STRICT, IommuDomain.reservedRegionsOf(m.memory()), () -> 0L);
        PcieFabric fabric = m.fabric(true, Optional.of(domain));

        FabricTransfer t = fabric.write(m.index(PEER), BAR_BUS, pattern(64, 3));

        assertThat(t).isInstanceOfSatisfying(FabricTransfer.Failed.class, f -> assertThat(f.error())
                .isInstanceOfSatisfying(FabricError.IommuFaulted.class, e -> {
                    assertThat(e.fault().iova()).isEqualTo(BAR_BUS);
                    assertThat(e.fault().reason()).isEqualTo(IommuFaultReason.NOT_PRESENT);
                    assertThat(e.fault().device()).contains("0000:04:00.0");
                }));
        assertThat(m.memory().read(BAR_CPU, 64)).isEqualTo(new byte[64]);
    }

    @Test
    void theIommuTranslatesARamWriteAndRefusesWhatIsNotMapped_issue11part2() {
        Machine m = Machine.of(0, 0);
        IommuDomain domain = IommuDomain.dma(1, IommuDomainFlushMode.STRICT, IommuDomain.reservedRegionsOf(m.memory()), () -> 0L);
        long iova = 0x10_0000L;
        assertThat(domain.map(iova, RAM_BUFFER, 4096, new IommuProt(IommuProt.READ | IommuProt.WRITE))).isEmpty();
        PcieFabric fabric = m.fabric(false, Optional.of(domain));
        byte[] data = pattern(4096, 4);
        byte[] neighbour = m.memory().read(RAM_BUFFER + 4096, 64);

        assertThat(fabric.write(m.index(OTHER_ROOT), iova, data).completed()).isTrue();
        assertThat(m.memory().read(RAM_BUFFER, 4096)).isEqualTo(data);

        FabricTransfer past = fabric.write(m.index(OTHER_ROOT), iova + 2048, pattern(4096, 5));
        assertThat(past.completed()).isFalse();
        assertThat(m.memory().read(RAM_BUFFER, 4096)).as("a request running past the mapping writes nothing").isEqualTo(data);
        assertThat(m.memory().read(RAM_BUFFER + 4096, 64)).isEqualTo(neighbour);
    }

    @Test
    void withoutAnIommuTheBusAddressIsTheRamAddress_issue11part2() {
        Machine m = Machine.of(0, 0);
        byte[] data = pattern(300, 6);
        m.memory().write(RAM_BUFFER, data, 0, data.length);

        FabricTransfer t = m.fabric(false, Optional.empty()).read(m.index(OTHER_ROOT), RAM_BUFFER, 300);

        assertThat(t).isInstanceOfSatisfying(FabricTransfer.Completed.class, c -> assertThat(c.data()).isEqualTo(data));
        assertThat(t.hops()).extracting(FabricHop::at).containsSubsequence("0000:06:00.0", "0000:00:05.0", PcieFabric.ROOT_COMPLEX, "RAM",
                "0000:06:00.0");
    }

    @Test
    void aPeerBehindAnotherRootPortIsReachedOnlyWhenTheRootComplexForwards_issue11part2() {
        Machine m = Machine.of(0, 0, BAR_CPU);
        byte[] data = pattern(128, 7);

        FabricTransfer refused = m.fabric(false, Optional.empty()).write(m.index(OTHER_ROOT), BAR_CPU, data);
        assertThat(refused).isInstanceOfSatisfying(FabricTransfer.Failed.class, f -> assertThat(f.error().describe())
                .contains("the root complex does not forward peer-to-peer from 0000:06:00.0 to 0000:03:00.0"));
        assertThat(m.memory().read(BAR_CPU, 128)).isEqualTo(new byte[128]);
        FabricTransfer t = m.fabric(true, Optional.empty()).write(m.index(OTHER_ROOT), BAR_CPU, data);
        assertThat(t.completed()).as("%s", t).isTrue();
        assertThat(m.memory().read(BAR_CPU, 128)).isEqualTo(data);
    }

    @Test
    void completionRedirectSendsAPeerReadsCompletionUpButItStillCompletes_issue11part2() {
        Machine m = Machine.of(0, Acs.CR);
        byte[] data = pattern(256, 8);
        m.memory().write(BAR_CPU + 4096, data, 0, data.length);

        FabricTransfer t = m.fabric(false, Optional.empty()).read(m.index(PEER), BAR_BUS + 4096, 256);

        assertThat(t).isInstanceOfSatisfying(FabricTransfer.Completed.class, c -> assertThat(c.data()).isEqualTo(data));
        assertThat(t.hops()).extracting(FabricHop::what).contains("ACS CR set: completion redirected up through the root complex");
    }

    @Test
    void aSiblingFunctionIsReachedBelowItsPortUnlessThePortRedirects_issue11part2() {
        for (int acs : new int[] {0, Acs.RR}) {
            PciFunction f0 = PciFunction.builder(PciAddress.parse("0000:01:00.0")).ids(0x1b36, 0x0010).classCode(0x010802).headerType(0x80)
                    .portType(PortType.ENDPOINT).acs(AcsState.ABSENT).driver("nvme")
                    .bars(List.of(new Bar(2, BAR_CPU, BAR_BYTES, true, true, true))).build();
            PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                    .rootPort("0000:00:04.0", 1, Topo.acs(acs))
                    .add(f0, new Parent.Bridge(PciAddress.parse("0000:00:04.0")))
                    .endpoint("0000:01:00.1", "0000:00:04.0", Topo.noAcs())
                    .build();
            PhysicalMemory mem = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 512L << 20, 0),
                    new PhysicalMemory.Region("0000:01:00.0 BAR2", PhysicalMemory.Kind.MMIO, BAR_CPU, BAR_BYTES, BAR_CPU)));
            PciAddress sibling = PciAddress.parse("0000:01:00.1");
            PcieFabric fabric = PcieFabric.builder(t, mem, (r, x) -> false)
                    .requester(DmaDevice.forPci(t, sibling).dmaMaskAndCoherent(DmaMasks.bitMask(64)).build(), Optional.empty()).build();

            FabricTransfer w = fabric.write(t.indexOf(sibling), BAR_CPU, pattern(64, 11));

            if (acs == 0) {
                assertThat(w.completed()).as("%s", w).isTrue();
                assertThat(w.hops()).extracting(FabricHop::at).doesNotContain(PcieFabric.ROOT_COMPLEX);
                assertThat(mem.read(BAR_CPU, 64)).isEqualTo(pattern(64, 11));
            } else {
                assertThat(w.hops()).extracting(FabricHop::what).contains("ACS RR set: request redirected upstream");
                assertThat(w.completed()).as("the root complex does not forward here").isFalse();
            }
        }
    }

    @Test
    void anAddressWithNoMemoryIsAnUnsupportedRequest_issue11part2() {
        Machine m = Machine.of(0, 0);
        byte[] before = m.memory().read(RAM_BUFFER, 16);

        FabricTransfer t = m.fabric(true, Optional.empty()).write(m.index(PEER), 0x7_0000_0000L, pattern(16, 9));

        assertThat(t).isInstanceOfSatisfying(FabricTransfer.Failed.class, f -> assertThat(f.error().describe()).contains("no memory at CPU address 0x700000000"));
        assertThat(m.memory().read(RAM_BUFFER, 16)).isEqualTo(before);
        assertThat(Arrays.equals(before, new byte[16])).isTrue();
    }
}
