package dev.p2pdma.dma;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.iommu.IommuDomainType;
import dev.p2pdma.iommu.IommuDmaOps;
import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link DmaOps} implementation keeps for map_sg and map_page (spec 3.2-3.4, 4,
 * 5.3, 6.2, 6.8), run once per
 * backend by a subclass: dma-direct, dma-direct with every device forced to bounce, legacy ops with
 * either failure-return convention, and (in {@code dev.p2pdma.iommu}) dma-iommu on a strict and a
 * lazy DMA domain and dma-direct behind an identity domain. Every expectation that differs between
 * backends is derived from the {@link DmaBackendCapabilities} the backend declares (checked first
 * against the kernel counterpart's), so every test asserts its rule for every backend. Every test
 * also checks that after unmap (or a failed map) the p2pmem pool, the swiotlb pools, the IOVA space
 * and the IO page table hold exactly what they held before the map. Not thread-safe (JUnit makes
 * one instance per test).
 */
public abstract class DmaOpsContract {

    /**
     * One backend as the suite runs it.
     *
     * @param ops                the backend every device of the test uses
     * @param kernelCapabilities the capabilities its kernel counterpart has (what it must declare)
     * @param forcesSwiotlb      true when every device of the suite is forced to bounce (swiotlb=force)
     * @param translation        the occupancy of the backend's IOMMU domain, {@link Translation#NONE} without one
     */
    public record Backend(DmaOps ops, DmaBackendCapabilities kernelCapabilities, boolean forcesSwiotlb, Translation translation) {
    }

    /** The IOMMU domain of a backend as far as occupancy goes; implementations are as thread-safe as their domain. */
    public interface Translation {

        /** No domain: nothing allocated, nothing mapped, nothing deferred. */
        Translation NONE = new Translation() {
            @Override
            public long iovaAllocatedPfns() {
                return 0;
            }

            @Override
            public long pageTableMappedBytes() {
                return 0;
            }

            @Override
            public void settle() {
            }
        };

        /** IOVA pfns held by mappings (rcache-parked ranges excluded). */
        long iovaAllocatedPfns();

        /** Bytes mapped in the IO page table. */
        long pageTableMappedBytes();

        /** Runs deferred work (a lazy domain's flush queue) so freed IOVAs are back in the allocator. */
        void settle();

        /** True when unmap frees IOVAs only when deferred work runs (a lazy domain's flush queue); false for strict freeing. */
        default boolean defersFrees() {
            return false;
        }
    }

    /**
     * What every pool a mapping can take from holds.
     *
     * @param p2pmemAvailBytes     free bytes of the provider's p2pmem gen_pool
     * @param swiotlbUsedSlots     used slots of every swiotlb pool of the test
     * @param iovaAllocatedPfns    IOVA pfns held by mappings
     * @param pageTableMappedBytes bytes mapped in the IO page table
     */
    record Occupancy(long p2pmemAvailBytes, long swiotlbUsedSlots, long iovaAllocatedPfns, long pageTableMappedBytes) {
    }

    /**
     * The kernel's dma-direct (spec 3.3, 3.4): P2P pages get their bus address or, through the host
     * bridge, their CPU address; a forced device bounces; a failure returns -EIO; nothing is
     * translated or merged. Shared by the plain, forced-swiotlb and identity-domain suites.
     */
    public static final DmaBackendCapabilities DMA_DIRECT =
            new DmaBackendCapabilities(DmaBackendCapabilities.P2pPages.BUS_ADDRESS_OR_CPU_ADDRESS, true, Errno.EIO.negative(), false, false);

    /** The backend on a machine with {@code memory} (called once per machine of a test). */
    protected abstract Backend backend(PhysicalMemory memory);

    /** The Intel machine most tests use. */
    private final DmaFixture f = DmaFixture.intel();
    /** A one-area swiotlb pool of 128 slots, for exhausting. */
    private final Swiotlb small = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS + (8L << 20), 128, 1, () -> 0);
    /** The backend on {@link #f} (set before each test, not in the constructor: subclasses are not initialised there). */
    private Backend b;
    /** What it declares. */
    private DmaBackendCapabilities caps;

    @BeforeEach
    void attachBackend() {
        b = backend(f.memory);
        caps = b.ops().capabilities();
    }

    /** A switch-peer client on the backend, forced to bounce through the default pool when the suite forces. */
    private DmaDevice.Builder device() {
        return device(f, b, SwitchMachine.SWITCH_PEER);
    }

    private static DmaDevice.Builder device(DmaFixture on, Backend backend, PciAddress client) {
        DmaDevice.Builder d = on.client(client).ops(backend.ops());
        return backend.forcesSwiotlb() ? d.swiotlbForceBounce(on.swiotlb) : d;
    }

    /** What every pool of {@code on} holds now. */
    private Occupancy occupancy(DmaFixture on, Backend backend) {
        long slots = on.swiotlb.usedSlots() + (on == f ? small.usedSlots() : 0);
        return new Occupancy(on.p2pmem.availBytes(), slots, backend.translation().iovaAllocatedPfns(), backend.translation().pageTableMappedBytes());
    }

    private Occupancy occupancy() {
        return occupancy(f, b);
    }

    /** Unmap (or a failed map) left every pool as it was {@code before} (after deferred frees ran). */
    private void assertRestored(Occupancy before) {
        assertRestored(f, b, before);
    }

    private void assertRestored(DmaFixture on, Backend backend, Occupancy before) {
        backend.translation().settle();
        assertThat(occupancy(on, backend)).as("occupancy after unmap").isEqualTo(before);
    }

    /** A mapping of RAM holds swiotlb slots exactly when it bounced, and IOVA and page-table entries exactly when the backend translates. */
    private void assertHeld(Occupancy before, boolean bounced) {
        Occupancy now = occupancy();
        assertThat(now.swiotlbUsedSlots() > before.swiotlbUsedSlots()).as("bounced").isEqualTo(bounced);
        assertThat(now.iovaAllocatedPfns() > before.iovaAllocatedPfns()).as("IOVA held").isEqualTo(caps.translates());
        assertThat(now.pageTableMappedBytes() > before.pageTableMappedBytes()).as("page table used").isEqualTo(caps.translates());
        assertThat(now.p2pmemAvailBytes()).as("p2pmem untouched").isEqualTo(before.p2pmemAvailBytes());
    }

    /** Whether RAM mapped for a device forced to bounce ({@code forcedByTest}, or by the suite) goes through swiotlb. */
    private boolean bounces(boolean forcedByTest) {
        return caps.bouncesForcedDevices() && (forcedByTest || b.forcesSwiotlb());
    }

    /** The errno dma_map_sgtable() reports for the declared failure return (spec 3.2: listed errnos pass, anything else is -EIO). */
    private Errno expectedFailureErrno() {
        int r = caps.failedMapReturn();
        for (Errno e : new Errno[] {Errno.EINVAL, Errno.ENOMEM, Errno.EIO, Errno.EREMOTEIO}) {
            if (r == e.negative()) {
                return e;
            }
        }
        return Errno.EIO;
    }

    /**
     * The DMA segment lengths a list of {@code (offset, length)} entries maps to, by spec 5.3's rule
     * (independent of the backends): without merging one per entry; with merging, an entry joins the
     * open segment when it starts on a 4 KiB granule, the open segment ended on one, and the sum stays
     * within {@code maxSegmentBytes}.
     */
    static List<Long> expectedSegmentLengths(boolean merges, long maxSegmentBytes, int[]... offsetAndLength) {
        List<Long> out = new ArrayList<>();
        long open = 0;
        for (int[] e : offsetAndLength) {
            long inGranule = e[0] % 4096;
            if (merges && open != 0 && inGranule == 0 && open + e[1] <= maxSegmentBytes) {
                open += e[1];
                out.set(out.size() - 1, open);
            } else {
                open = e[1];
                out.add(open);
            }
            if (!merges || (inGranule + e[1]) % 4096 != 0) {
                open = 0;
            }
        }
        return out;
    }

    /** The bytes behind the CPU view of {@code t}'s entries, in order. */
    private byte[] cpuBytes(SgTable t) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (SgEntry e : entries(t)) {
            out.writeBytes(f.memory.read(e.phys(), e.length()));
        }
        return out.toByteArray();
    }

    /** The bytes the device reads through the first {@code nents} DMA segments of {@code t}, in order. */
    private byte[] deviceBytes(DmaDevice dev, SgTable t, int nents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (SgEntry e : t.entries(nents)) {
            out.writeBytes(DeviceDma.of(f.topology, f.memory).readSegment(dev, e));
        }
        return out.toByteArray();
    }

    @Test
    public void theBackendDeclaresTheCapabilitiesOfItsKernelCounterpart_spec3_1() {
        DmaDevice dev = device().build();
        assertThat(caps).isEqualTo(b.kernelCapabilities());
        assertThat(b.ops() instanceof IommuDmaOps o && o.domain().type() == IommuDomainType.DMA)
                .as("translates").isEqualTo(caps.translates());
        assertThat(f.mapping.p2pdmaSupported(dev)).as("dma_pci_p2pdma_supported()").isEqualTo(caps.p2pPages().supported());
    }

    @Test
    public void mapThenUnmapRestoresOccupancyInEveryDirection_spec4() {
        DmaDevice dev = device().swiotlbForceBounce(f.swiotlb).build();
        for (DmaDirection dir : new DmaDirection[] {DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE, DmaDirection.BIDIRECTIONAL}) {
            Occupancy before = occupancy();
            SgTable t = table(seg(f.machine.ramPage(0), 100, 5000), seg(f.machine.ramPage(3)), seg(f.machine.ramPage(9), 0, 300));
            DmaMapResult r = f.mapping.mapSgtable(dev, t, dir, DmaAttrs.NONE);
            assertThat(r.nents()).as(dir.name()).isEqualTo(expectedSegmentLengths(caps.mergesSegments(), dev.maxSegmentBytes(),
                    new int[] {100, 5000}, new int[] {0, 4096}, new int[] {0, 300}).size());
            assertHeld(before, bounces(true));
            f.mapping.unmapSgtable(dev, t, dir, DmaAttrs.NONE);
            assertRestored(before);
        }
    }

    @Test
    public void ramSegmentsGetAddressesTheDeviceCanReach_spec3_4() {
        DmaDevice dev = device().dmaMask(DmaMasks.bitMask(26)).busDmaLimit(DmaMasks.bitMask(25)).swiotlb(f.swiotlb).build();
        Occupancy before = occupancy();
        SgTable t = table(seg(f.machine.ram(0x20_0000)), seg(f.machine.ramPage(0)), seg(f.machine.ram(SwitchMachine.RAM_BYTES - 8192), 0, 8192));
        int n = f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents();
        assertThat(n).isEqualTo(expectedSegmentLengths(caps.mergesSegments(), dev.maxSegmentBytes(), new int[] {0, 4096}, new int[] {0, 4096},
                new int[] {0, 8192}).size());
        for (SgEntry e : t.entries(n)) {
            assertThat(Long.compareUnsigned(e.dmaAddress() + e.dmaLength() - 1, dev.effectiveDmaLimit())).as(e.toString()).isLessThanOrEqualTo(0);
        }
        assertThat(deviceBytes(dev, t, n)).isEqualTo(cpuBytes(t));
        f.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertRestored(before);
    }

    @Test
    public void mapGivesOneSegmentPerEntryUnlessTheBackendMerges_spec3_3_spec5_3() {
        DmaDevice dev = device().build();
        byte[] data = SgLists.pattern(5 * PageSize.PAGE_SIZE, 3);
        f.memory.write(SwitchMachine.BUFFERS_PHYS, data, 0, data.length);
        Occupancy before = occupancy();
        SgTable t = table(seg(f.machine.ramPage(0), 7, 100), seg(f.machine.ramPage(1)), seg(f.machine.ramPage(2), 0, 2 * PageSize.PAGE_SIZE),
                seg(f.machine.ramPage(4), 16, 100));
        int n = f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents();
        List<Long> lengths = new ArrayList<>();
        for (SgEntry e : t.entries(n)) {
            lengths.add(e.dmaLengthBytes());
        }
        assertThat(lengths).isEqualTo(expectedSegmentLengths(caps.mergesSegments(), dev.maxSegmentBytes(), new int[] {7, 100},
                new int[] {0, PageSize.PAGE_SIZE}, new int[] {0, 2 * PageSize.PAGE_SIZE}, new int[] {16, 100}));
        assertThat(deviceBytes(dev, t, n)).as("what the device reads").isEqualTo(cpuBytes(t));
        assertHeld(before, bounces(false));
        f.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertRestored(before);
    }

    @Test
    public void ramAddressesAreCpuAddressesExactlyWhenTheBackendNeitherTranslatesNorBounces_spec3_4() {
        DmaDevice dev = device().build();
        Occupancy before = occupancy();
        SgTable t = table(seg(f.machine.ramPage(4), 16, 100));
        f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        SgEntry e = entries(t).get(0);
        boolean direct = !caps.translates() && !bounces(false);
        assertThat(e.dmaAddress() == e.phys()).as("DMA address %x for CPU address %x", e.dmaAddress(), e.phys()).isEqualTo(direct);
        assertThat(f.swiotlb.contains(dev.dmaToPhys(e.dmaAddress()))).as("in the bounce pool").isEqualTo(bounces(false));
        assertThat(DeviceDma.of(f.topology, f.memory).target(dev, e.dmaAddress(), e.dmaLength()).isPresent())
                .as("reachable without the IOMMU").isEqualTo(!caps.translates());
        f.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertRestored(before);
    }

    @Test
    public void aFailedMapReturnsTheDeclaredValueAndLeavesNothingMapped_spec3_2() {
        DmaDevice dev = device().dmaMask(DmaMasks.bitMask(26)).build();
        Occupancy before = occupancy();
        SgTable t = table(seg(f.machine.ram(0x20_0000)), seg(f.machine.ram(0x30_0000)), seg(f.machine.ramPage(0), 0, 65 << 20));
        int raw = b.ops().mapSg(f.mapping, dev, t.first().orElseThrow(), 3, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(raw).as("map_sg's own return").isEqualTo(caps.failedMapReturn());
        assertRestored(before);
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(expectedFailureErrno());
        assertThat(entries(t)).noneMatch(SgEntry::isDmaBusAddress);
        assertRestored(before);
    }

    @Test
    public void aSwiotlbPoolExhaustedMidListFailsExactlyTheBackendsThatBounce_spec4() {
        DmaDevice dev = device().swiotlbForceBounce(small).build();
        Occupancy before = occupancy();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)), seg(f.machine.ramPage(2), 0, 125 * 2048), seg(f.machine.ramPage(200)));
        DmaMapResult r = f.mapping.mapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        boolean bounces = caps.bouncesForcedDevices();
        assertThat(r.error()).isEqualTo(bounces ? Optional.of(expectedFailureErrno()) : Optional.empty());
        assertThat(small.highWaterSlots()).as("slots the pool ever held").isEqualTo(bounces ? 4 : 0);
        if (r.isOk()) {
            f.mapping.unmapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        }
        assertRestored(before);
    }

    @Test
    public void unreachableP2pMemoryFailsWithEremoteioAndLeavesNothingMapped_spec3_3() {
        DmaDevice dev = device(f, b, SwitchMachine.OTHER_ROOT).build();
        Page p2p = f.p2pAlloc(PageSize.PAGE_SIZE);
        Occupancy before = occupancy();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)), seg(p2p));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EREMOTEIO);
        assertThat(entries(t)).noneMatch(e -> e.isDmaBusAddress() || e.isPageLinkP2pdma());
        assertRestored(before);
    }

    @Test
    public void p2pPagesBehindTheSameSwitchGetTheirBusAddressOrTheListFails_spec1_14() {
        DmaDevice dev = device().build();
        Page p2p = f.p2pAlloc(2 * PageSize.PAGE_SIZE);
        Occupancy before = occupancy();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(p2p, 8, 64));
        DmaMapResult r = f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        SgEntry p = entries(t).get(1);
        assertThat(p.dmaAddress()).as("never the CPU address").isNotEqualTo(p.phys());
        if (caps.p2pPages().supported()) {
            assertThat(r.nents()).isEqualTo(2);
            assertThat(p.isDmaBusAddress()).isTrue();
            assertThat(p.dmaAddress()).isEqualTo(p2p.physAddress() + SwitchMachine.BUS_OFFSET + 8).isEqualTo(SwitchMachine.BAR_BUS + 8);
            assertHeld(before, bounces(false));
            f.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        } else {
            assertThat(r.error()).contains(Errno.EREMOTEIO);
            assertThat(p.isDmaBusAddress()).isFalse();
        }
        assertRestored(before);
    }

    @Test
    public void p2pPagesThroughTheHostBridgeFollowTheDeclaredPath_spec3_4() {
        DmaFixture amd = DmaFixture.amd();
        Backend ab = backend(amd.memory);
        DmaDevice dev = device(amd, ab, SwitchMachine.OTHER_ROOT).build();
        Page p2p = amd.p2pAlloc(PageSize.PAGE_SIZE);
        byte[] data = SgLists.pattern(64, 9);
        amd.memory.write(p2p.physAddress() + 8, data, 0, data.length);
        Occupancy before = occupancy(amd, ab);
        SgTable t = table(seg(p2p, 8, 64));
        DmaMapResult r = amd.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        SgEntry e = entries(t).get(0);
        assertThat(e.isDmaBusAddress()).as("bus-address mark").isFalse();
        switch (caps.p2pPages()) {
            case REFUSED -> assertThat(r.error()).contains(Errno.EREMOTEIO);
            case BUS_ADDRESS_OR_CPU_ADDRESS -> {
                if (ab.forcesSwiotlb()) {
                    assertThat(r.error()).as("P2P pages are never bounced").contains(expectedFailureErrno());
                } else {
                    assertThat(e.dmaAddress()).isEqualTo(p2p.physAddress() + 8);
                    assertThat(DeviceDma.of(amd.topology, amd.memory).readSegment(dev, e)).isEqualTo(data);
                    assertThat(occupancy(amd, ab)).as("nothing held").isEqualTo(before);
                }
            }
            case BUS_ADDRESS_OR_IOVA -> {
                assertThat(e.dmaAddress()).isNotEqualTo(p2p.physAddress() + 8);
                assertThat(DeviceDma.of(amd.topology, amd.memory).readSegment(dev, e)).isEqualTo(data);
                assertThat(occupancy(amd, ab).pageTableMappedBytes()).as("mapped through the page table").isGreaterThan(before.pageTableMappedBytes());
            }
        }
        if (r.isOk()) {
            amd.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        }
        assertRestored(amd, ab, before);
    }

    @Test
    public void aBounceRoundTripCarriesTheBytesBothWays_spec4() {
        DmaDevice dev = device().swiotlbForceBounce(f.swiotlb).minAlignMask(4095).build();
        DeviceDma device = DeviceDma.of(f.topology, f.memory);
        byte[] cpu = SgLists.pattern(6000, 5);
        long at = SwitchMachine.BUFFERS_PHYS + 0x123;
        f.memory.write(at, cpu, 0, cpu.length);
        Occupancy before = occupancy();
        SgTable t = table(seg(f.machine.ramPage(0), 0x123, cpu.length));
        f.mapping.mapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        SgEntry e = entries(t).get(0);
        assertThat(e.dmaAddress() & 4095).isEqualTo(0x123);
        assertThat(device.readSegment(dev, e)).isEqualTo(cpu);
        assertHeld(before, bounces(true));
        byte[] back = SgLists.pattern(6000, 6);
        device.write(dev, e.dmaAddress(), back);
        f.mapping.unmapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(f.memory.read(at, back.length)).isEqualTo(back);
        assertRestored(before);
    }

    @Test
    public void aSegmentUpToTheMaxMappingSizeMapsAndALargerOneFailsExactlyWhenBouncing_spec4() {
        DmaDevice dev = device().swiotlbForceBounce(f.swiotlb).build();
        int swiotlbLimit = Swiotlb.IO_TLB_SEGSIZE * Swiotlb.IO_TLB_SIZE;
        boolean bounces = caps.bouncesForcedDevices();
        assertThat(f.mapping.maxMappingBytes(dev)).isEqualTo(bounces ? swiotlbLimit : DmaMasks.SIZE_MAX);
        Occupancy before = occupancy();
        SgTable fits = table(seg(f.machine.ramPage(0), 0, swiotlbLimit));
        assertThat(f.mapping.mapSgtable(dev, fits, DmaDirection.TO_DEVICE, DmaAttrs.NONE).isOk()).isTrue();
        f.mapping.unmapSgtable(dev, fits, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertRestored(before);
        SgTable larger = table(seg(f.machine.ramPage(0), 0, swiotlbLimit + 1));
        DmaMapResult r = f.mapping.mapSgtable(dev, larger, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(r.isOk()).as("one byte over the swiotlb limit maps").isEqualTo(!bounces);
        if (r.isOk()) {
            f.mapping.unmapSgtable(dev, larger, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        }
        assertRestored(before);
    }

    // ---- dma_map_page_attrs() / dma_unmap_page_attrs() (spec 3.4, 4, 5.3, 6.7, 6.8 fast path, 7.9 vectors 4-6) ----

    /** What kind of address a RAM range mapped by map_page gets for a device forced to bounce ({@code forcedByTest}, or by the suite). */
    private DmaPageMapping.Kind ramPageKind(boolean forcedByTest) {
        if (caps.translates()) {
            return DmaPageMapping.Kind.IOVA;
        }
        return bounces(forcedByTest) ? DmaPageMapping.Kind.SWIOTLB_SLOT : DmaPageMapping.Kind.PHYSICAL;
    }

    /**
     * What kind of address a P2PDMA page mapped by map_page gets (spec 3.4, 6.8, 6.11): refused without
     * P2PDMA support; an IOVA through a translating backend; else its CPU address, or DMA_MAPPING_ERROR
     * where RAM would bounce (P2PDMA pages are never bounced). Never the bus address: dma_map_page
     * asks no map type.
     */
    private DmaPageMapping.Kind p2pPageKind(boolean forcedByTest) {
        if (!caps.p2pPages().supported()) {
            return DmaPageMapping.Kind.MAPPING_ERROR;
        }
        if (caps.translates()) {
            return DmaPageMapping.Kind.IOVA;
        }
        return bounces(forcedByTest) ? DmaPageMapping.Kind.MAPPING_ERROR : DmaPageMapping.Kind.PHYSICAL;
    }

    /** The IOVA pfns and page-table bytes a map took, as (pfns, bytes). */
    private long[] translationTaken(Occupancy before) {
        Occupancy now = occupancy();
        return new long[] {now.iovaAllocatedPfns() - before.iovaAllocatedPfns(), now.pageTableMappedBytes() - before.pageTableMappedBytes()};
    }

    @Test
    public void mapPageOfOneRamPageGivesOneAddressOfTheDeclaredKindAndUnmapRestores_spec3_4_spec5_3() {
        DmaDevice dev = device().build();
        byte[] data = SgLists.pattern(PageSize.PAGE_SIZE, 11);
        Page page = f.machine.ramPage(0);
        f.memory.write(page.physAddress(), data, 0, data.length);
        Occupancy before = occupancy();
        DmaPageMapping p = f.mapping.mapPage(dev, page, 0, PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(p.dmaMappingError()).as("dma_mapping_error()").isEmpty();
        assertThat(p.kind()).isEqualTo(ramPageKind(false));
        assertThat(p.dmaAddress() == page.physAddress()).as("DMA address is the CPU address").isEqualTo(p.kind() == DmaPageMapping.Kind.PHYSICAL);
        assertThat(f.swiotlb.contains(dev.dmaToPhys(p.dmaAddress()))).as("in the bounce pool").isEqualTo(bounces(false));
        assertThat(DeviceDma.of(f.topology, f.memory).read(dev, p.dmaAddress(), PageSize.PAGE_SIZE)).as("what the device reads").isEqualTo(data);
        assertHeld(before, bounces(false));
        assertThat(translationTaken(before)).as("one IOVA page, one page mapped").containsExactly(caps.translates() ? 1 : 0,
                caps.translates() ? PageSize.PAGE_SIZE : 0);
        f.mapping.unmapPage(dev, p.dmaAddress(), PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertRestored(before);
    }

    @Test
    public void mapPageKeepsTheInGranuleOffsetOfASubPageRangeAndCopiesBackOnUnmap_spec4_spec5_3_spec7_9() {
        DmaDevice dev = device().minAlignMask(4095).build();
        Page page = f.machine.ramPage(1);
        byte[] cpu = SgLists.pattern(1024, 12);
        f.memory.write(page.physAddress() + 512, cpu, 0, cpu.length);
        Occupancy before = occupancy();
        DmaPageMapping p = f.mapping.mapPage(dev, page, 512, 1024, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(p.kind()).isEqualTo(ramPageKind(false));
        assertThat(p.dmaAddress() & 4095).as("offset in the 4 KiB granule / page").isEqualTo(512);
        assertThat(DeviceDma.of(f.topology, f.memory).read(dev, p.dmaAddress(), cpu.length)).isEqualTo(cpu);
        assertHeld(before, bounces(false));
        assertThat(translationTaken(before)).as("one IOVA page").containsExactly(caps.translates() ? 1 : 0, caps.translates() ? PageSize.PAGE_SIZE : 0);
        byte[] back = SgLists.pattern(1024, 13);
        DeviceDma.of(f.topology, f.memory).write(dev, p.dmaAddress(), back);
        f.mapping.unmapPage(dev, p.dmaAddress(), 1024, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(f.memory.read(page.physAddress() + 512, back.length)).as("what the CPU sees after unmap").isEqualTo(back);
        assertRestored(before);
    }

    @Test
    public void aBounceSlotKeepsExactlyTheLowBitsTheMinAlignMaskCovers_spec4_spec6_8() {
        for (int mask : new int[] {0, 4095}) {
            DmaDevice dev = device().swiotlbForceBounce(f.swiotlb).minAlignMask(mask).build();
            Occupancy before = occupancy();
            DmaPageMapping p = f.mapping.mapPage(dev, f.machine.ramPage(2), 0x234, 1024, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
            assertThat(p.kind()).as("mask %x", mask).isEqualTo(ramPageKind(true));
            long keptBits = bounces(true) ? mask : 4095;
            assertThat(p.dmaAddress() & 4095 & keptBits).as("mask %x: bits kept", mask).isEqualTo(0x234 & keptBits);
            assertThat(p.dmaAddress() % Swiotlb.IO_TLB_SIZE).as("mask %x: offset in a 2 KiB slot", mask)
                    .isEqualTo(bounces(true) ? 0x234 & mask : 0x234);
            assertHeld(before, bounces(true));
            f.mapping.unmapPage(dev, p.dmaAddress(), 1024, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
            assertRestored(before);
        }
    }

    @Test
    public void aRangeCrossingAGranuleTakesOneIovaOfBothGranulesFreedStrictlyOrLazily_spec5_2_spec5_3() {
        DmaDevice dev = device().minAlignMask(4095).build();
        Page page = f.machine.ramPage(3);
        byte[] cpu = SgLists.pattern(1024, 14);
        f.memory.write(page.physAddress() + 3584, cpu, 0, cpu.length);
        Occupancy before = occupancy();
        DmaPageMapping p = f.mapping.mapPage(dev, page, 3584, 1024, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(p.kind()).isEqualTo(ramPageKind(false));
        assertThat(p.dmaAddress() & 4095).isEqualTo(3584);
        assertThat(translationTaken(before)).as("one IOVA of two pages").containsExactly(caps.translates() ? 2 : 0,
                caps.translates() ? 2 * PageSize.PAGE_SIZE : 0);
        assertThat(DeviceDma.of(f.topology, f.memory).read(dev, p.dmaAddress(), cpu.length)).isEqualTo(cpu);
        f.mapping.unmapPage(dev, p.dmaAddress(), 1024, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        Occupancy unmapped = occupancy();
        assertThat(unmapped.pageTableMappedBytes()).as("page-table entries gone at unmap").isEqualTo(before.pageTableMappedBytes());
        assertThat(unmapped.iovaAllocatedPfns() - before.iovaAllocatedPfns()).as("IOVA still queued for the flush")
                .isEqualTo(caps.translates() && b.translation().defersFrees() ? 2 : 0);
        assertRestored(before);
    }

    @Test
    public void aMapPageThatCannotBeMappedReturnsDmaMappingErrorAndHoldsNothing_spec3_4_spec5_2() {
        DmaDevice dev = device().dmaMask(DmaMasks.bitMask(26)).build();
        Occupancy before = occupancy();
        DmaPageMapping p = f.mapping.mapPage(dev, f.machine.ramPage(0), 0, 65L << 20, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(p).isEqualTo(DmaPageMapping.ERROR);
        assertThat(p.dmaAddress()).isEqualTo(DmaMasks.DMA_MAPPING_ERROR);
        assertThat(p.dmaMappingError()).as("dma_mapping_error()").contains(Errno.ENOMEM);
        assertThat(f.warnings.warnings()).as("dma-direct's overflow WARN").hasSize(!caps.translates() && !bounces(false) ? 1 : 0)
                .allMatch(w -> w.contains("DMA addr 0x0000000004000000+68157440 overflow"));
        assertRestored(before);
    }

    @Test
    public void aFullSwiotlbPoolFailsMapPageExactlyWhenTheBackendBounces_spec4_spec6_10() {
        DmaDevice dev = device().swiotlbForceBounce(small).build();
        Occupancy before = occupancy();
        DmaPageMapping first = f.mapping.mapPage(dev, f.machine.ramPage(0), 0, PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        DmaPageMapping second = f.mapping.mapPage(dev, f.machine.ramPage(1), 0, PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        Occupancy held = occupancy();
        DmaPageMapping third = f.mapping.mapPage(dev, f.machine.ramPage(2), 0, 125 * Swiotlb.IO_TLB_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        boolean bounces = caps.bouncesForcedDevices();
        assertThat(List.of(first.kind(), second.kind())).containsOnly(ramPageKind(true));
        assertThat(third.isError()).as("125 slots do not fit beside 4").isEqualTo(bounces);
        assertThat(small.usedSlots()).as("slots held").isEqualTo(bounces ? 4 : 0);
        assertThat(f.warnings.lines()).as("the rate-limited full line").filteredOn(l -> l.contains("swiotlb buffer is full")).hasSize(bounces ? 1 : 0);
        if (third.isError()) {
            assertThat(occupancy()).as("the failed map holds nothing").isEqualTo(held);
        } else {
            f.mapping.unmapPage(dev, third.dmaAddress(), 125 * Swiotlb.IO_TLB_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        }
        f.mapping.unmapPage(dev, second.dmaAddress(), PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        f.mapping.unmapPage(dev, first.dmaAddress(), PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertRestored(before);
    }

    @Test
    public void anExhaustedIovaSpaceFailsMapPageWithNothingHeld_spec5_2_spec5_4() {
        // a 26-bit device: the IOVA space below 64 MiB holds 7 naturally aligned 8 MiB ranges (pfn 0 is never handed out);
        // dma-direct reaches the RAM at 2 MiB directly; a bouncing backend cannot bounce 8 MiB at all
        DmaDevice dev = device().dmaMask(DmaMasks.bitMask(26)).build();
        long size = 8L << 20;
        int expected = caps.translates() ? 7 : bounces(false) ? 0 : 8;
        Occupancy before = occupancy();
        List<DmaPageMapping> ok = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Occupancy was = occupancy();
            DmaPageMapping p = f.mapping.mapPage(dev, f.machine.ram(0x20_0000), 0, size, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
            if (p.isError()) {
                assertThat(occupancy()).as("map %d failed holding nothing", i).isEqualTo(was);
            } else {
                assertThat(p.kind()).isEqualTo(ramPageKind(false));
                assertThat(Long.compareUnsigned(p.dmaAddress() + size - 1, dev.effectiveDmaLimit())).as("within the mask").isLessThanOrEqualTo(0);
                ok.add(p);
            }
        }
        assertThat(ok).as("mappings that succeeded").hasSize(expected);
        for (DmaPageMapping p : ok) {
            f.mapping.unmapPage(dev, p.dmaAddress(), size, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
        }
        assertRestored(before);
    }

    @Test
    public void mapPageOfAP2pPageAsksNoMapTypeAndNeverGivesTheBusAddress_spec3_4_spec6_7() {
        DmaDevice dev = device().minAlignMask(4095).build();
        Page p2p = f.p2pAlloc(PageSize.PAGE_SIZE);
        byte[] data = SgLists.pattern(64, 15);
        f.memory.write(p2p.physAddress() + 8, data, 0, data.length);
        Occupancy before = occupancy();
        DmaPageMapping p = f.mapping.mapPage(dev, p2p, 8, 64, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(p.kind()).isEqualTo(p2pPageKind(false));
        assertThat(p.dmaAddress()).as("never the bus address").isNotEqualTo(SwitchMachine.BAR_BUS + 8);
        if (p.kind() == DmaPageMapping.Kind.PHYSICAL) {
            assertThat(p.dmaAddress()).as("the CPU address").isEqualTo(p2p.physAddress() + 8);
        }
        if (!p.isError()) {
            assertThat(p.dmaAddress() & 4095).isEqualTo(8);
            assertThat(DeviceDma.of(f.topology, f.memory).read(dev, p.dmaAddress(), data.length)).isEqualTo(data);
        }
        assertThat(f.swiotlb.highWaterSlots()).as("never bounced").isZero();
        assertThat(translationTaken(before)).as("an IOVA page").containsExactly(p.kind() == DmaPageMapping.Kind.IOVA ? 1 : 0,
                p.kind() == DmaPageMapping.Kind.IOVA ? PageSize.PAGE_SIZE : 0);
        if (!p.isError()) {
            f.mapping.unmapPage(dev, p.dmaAddress(), 64, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        }
        assertRestored(before);
    }

    @Test
    public void aDeviceForcedToBounceGetsDmaMappingErrorForAP2pPageInsteadOfABounce_spec3_4_spec6_11() {
        DmaFixture amd = DmaFixture.amd();
        Backend ab = backend(amd.memory);
        DmaDevice dev = device(amd, ab, SwitchMachine.OTHER_ROOT).swiotlbForceBounce(amd.swiotlb).build();
        Page p2p = amd.p2pAlloc(PageSize.PAGE_SIZE);
        Occupancy before = occupancy(amd, ab);
        DmaPageMapping p = amd.mapping.mapPage(dev, p2p, 0, PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(p.kind()).isEqualTo(p2pPageKind(true));
        assertThat(amd.swiotlb.highWaterSlots()).as("never bounced").isZero();
        if (!p.isError()) {
            amd.mapping.unmapPage(dev, p.dmaAddress(), PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        }
        assertRestored(amd, ab, before);
    }

    @Test
    public void aNonCoherentDeviceGetsOneCacheSyncEachWayUnlessSkipCpuSync_spec3_4_spec4_spec5_3() {
        DmaDevice dev = device().coherent(false).build();
        CacheMaintenance cache = f.mapping.cache();
        Occupancy before = occupancy();
        DmaPageMapping p = f.mapping.mapPage(dev, f.machine.ramPage(0), 0, PageSize.PAGE_SIZE, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(cache.forDeviceCalls()).as("synced for the device at map").isEqualTo(1);
        assertThat(cache.forDeviceBytes()).isEqualTo(PageSize.PAGE_SIZE);
        f.mapping.unmapPage(dev, p.dmaAddress(), PageSize.PAGE_SIZE, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(cache.forCpuCalls()).as("synced for the CPU at unmap").isEqualTo(1);
        assertThat(cache.forCpuBytes()).isEqualTo(PageSize.PAGE_SIZE);
        DmaPageMapping q = f.mapping.mapPage(dev, f.machine.ramPage(1), 0, PageSize.PAGE_SIZE, DmaDirection.BIDIRECTIONAL, DmaAttrs.SKIP_SYNC);
        assertThat(q.kind()).isEqualTo(ramPageKind(false));
        f.mapping.unmapPage(dev, q.dmaAddress(), PageSize.PAGE_SIZE, DmaDirection.BIDIRECTIONAL, DmaAttrs.SKIP_SYNC);
        assertThat(List.of(cache.forDeviceCalls(), cache.forCpuCalls())).as("nothing more with SKIP_CPU_SYNC").containsExactly(1L, 1L);
        assertRestored(before);
    }

    @Test
    public void mapPageWithoutADmaMaskWarnsOnceAndFails_spec3_2() {
        DmaDevice dev = device().noDmaMask().build();
        Occupancy before = occupancy();
        assertThat(f.mapping.mapPage(dev, f.machine.ramPage(0), 0, PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE).isError()).isTrue();
        assertThat(f.mapping.mapPage(dev, f.machine.ramPage(1), 0, PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE).isError()).isTrue();
        assertThat(f.warnings.warnings()).containsExactly(
                "WARNING: dma_map_page_attrs (kernel/dma/mapping.c): WARN_ON_ONCE(!dev->dma_mask) for " + dev.name());
        assertRestored(before);
    }

    @Test
    public void theOptimalMappingSizeIsTheIovaRcacheRangeCappedByTheMaxMappingSize_spec6_2() {
        long rcacheRange = 128 << 10;
        DmaDevice plain = device().build();
        long plainMax = bounces(false) ? Swiotlb.IO_TLB_SEGSIZE * Swiotlb.IO_TLB_SIZE : DmaMasks.SIZE_MAX;
        assertThat(f.mapping.maxMappingBytes(plain)).isEqualTo(plainMax);
        assertThat(f.mapping.optMappingBytes(plain)).isEqualTo(caps.translates() ? rcacheRange : plainMax);
        DmaDevice nvmeForced = device().swiotlbForceBounce(f.swiotlb).minAlignMask(4095).build();
        long forcedMax = bounces(true) ? 258048 : DmaMasks.SIZE_MAX;
        assertThat(f.mapping.maxMappingBytes(nvmeForced)).isEqualTo(forcedMax);
        assertThat(f.mapping.optMappingBytes(nvmeForced)).as("252 KiB under forced bounce, 128 KiB through an IOVA, else unlimited")
                .isEqualTo(caps.translates() ? rcacheRange : forcedMax);
    }
}
