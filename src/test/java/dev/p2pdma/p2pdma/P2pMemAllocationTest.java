package dev.p2pdma.p2pdma;

import dev.p2pdma.base.DirectMap;
import static dev.p2pdma.p2pdma.ProviderFixtures.BAR_BYTES;
import static dev.p2pdma.p2pdma.ProviderFixtures.a;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.pci.PciAddress;
import org.junit.jupiter.api.Test;

/** Spec 1.4: pci_alloc_p2pmem, pci_free_p2pmem, pci_p2pmem_virt_to_bus, alloc/free_sgl. */
class P2pMemAllocationTest {

    private static final PciAddress NVME = a("0000:03:00.0");
    private static final PciAddress OTHER = a("0000:04:00.0");
    private static final long BAR2 = 0x1_0000_0000L;
    private static final long PAGE = PageSize.PAGE_SIZE;

    private static DevicePageMap pagemap(P2pDmaProviders p) {
        return p.provider(NVME).orElseThrow().pagemaps().get(0);
    }

    @Test
    void withoutARecordAllocationReturnsNull_spec1_4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThat(p.allocator().allocP2pmem(OTHER, PAGE)).isEmpty();
    }

    @Test
    void anAllocationIsAPoolBlockHoldingOnePageMapReference_spec1_4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemBlock b = p.allocator().allocP2pmem(NVME, 3 * PAGE).orElseThrow();
        assertThat(b.provider()).isEqualTo(NVME);
        assertThat(b.virt()).isEqualTo(DirectMap.virt(BAR2));
        assertThat(b.sizeBytes()).isEqualTo(3 * PAGE);
        assertThat(pagemap(p).liveReferences()).isEqualTo(1);
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES - 3 * PAGE);
        P2pMemBlock c = p.allocator().allocP2pmem(NVME, 1).orElseThrow();
        assertThat(c.virt()).isEqualTo(DirectMap.virt(BAR2 + 3 * PAGE));
        assertThat(pagemap(p).liveReferences()).isEqualTo(2);
    }

    @Test
    void poolFailureReturnsNullAndTakesNoReference_spec1_4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThat(p.allocator().allocP2pmem(NVME, BAR_BYTES + 1)).isEmpty();
        assertThat(p.allocator().allocP2pmem(NVME, 0)).isEmpty();
        assertThat(p.allocator().allocP2pmem(NVME, BAR_BYTES)).isPresent();
        assertThat(p.allocator().allocP2pmem(NVME, PAGE)).as("exhausted").isEmpty();
        assertThat(pagemap(p).liveReferences()).isEqualTo(1);
    }

    @Test
    void aPageMapBeingTornDownMakesAllocationFailAndGivesTheBlockBack_spec1_4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        pagemap(p).kill();
        assertThat(p.allocator().allocP2pmem(NVME, PAGE)).isEmpty();
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES);
        assertThat(pagemap(p).liveReferences()).isZero();
    }

    @Test
    void freeReturnsTheRangeAndDropsTheReference_spec1_4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemBlock b = p.allocator().allocP2pmem(NVME, 5000).orElseThrow();
        p.allocator().freeP2pmem(b);
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES);
        assertThat(pagemap(p).liveReferences()).isZero();
        assertThatThrownBy(() -> p.allocator().freeP2pmem(b)).as("double free is a kernel BUG").isInstanceOf(IllegalStateException.class);
        assertThat(pagemap(p).liveReferences()).isZero();
    }

    @Test
    void freeWithoutARecordIsAKernelOops_spec1_4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThatThrownBy(() -> p.allocator().freeP2pmem(OTHER, DirectMap.virt(BAR2), PAGE)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void virtToBusIsZeroForNullAndWithoutARecordElseTheBusAddress_spec1_4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemBlock b = p.allocator().allocP2pmem(NVME, PAGE).orElseThrow();
        assertThat(p.allocator().virtToBus(NVME, 0)).isZero();
        assertThat(p.allocator().virtToBus(OTHER, b.virt())).isZero();
        assertThat(p.allocator().virtToBus(NVME, b.virt() + 17)).isEqualTo(BAR2 + 17);
        assertThat(p.allocator().virtToBus(NVME, DirectMap.virt(0x1000))).as("outside the pool: all-ones").isEqualTo(-1L);
    }

    @Test
    void theStructPageOfAnAllocationIsAP2pdmaPageOfItsPageMap_spec1_4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemBlock b = p.allocator().allocP2pmem(NVME, 2 * PAGE).orElseThrow();
        Page page = p.allocator().page(b.virt() + PAGE + 5).orElseThrow();
        assertThat(page.pfn()).isEqualTo(PageSize.pfn(BAR2) + 1);
        assertThat(page.isP2pdma()).isTrue();
        assertThat(page.pagemap()).contains(pagemap(p));
        assertThat(p.allocator().page(DirectMap.virt(BAR2))).containsSame(p.memory().memMap().pageOrThrow(PageSize.pfn(BAR2)));
        assertThat(p.allocator().page(DirectMap.virt(0x1000)).orElseThrow().isZoneDevice()).as("RAM").isFalse();
        assertThat(p.allocator().page(0x1000)).as("not a direct-map address").isEmpty();
    }

    @Test
    void allocSglMakesOneEntryOverOneAllocation_spec1_4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        p.allocator().allocP2pmem(NVME, PAGE).orElseThrow();
        SgTable sgl = p.allocator().allocSgl(NVME, 10_000).orElseThrow();
        assertThat(sgl.nents()).isEqualTo(1);
        assertThat(sgl.origNents()).isEqualTo(1);
        SgEntry e = sgl.first().orElseThrow();
        assertThat(e.isLast()).isTrue();
        assertThat(e.pageOrThrow().pfn()).isEqualTo(PageSize.pfn(BAR2) + 1);
        assertThat(e.pageOrThrow().isP2pdma()).isTrue();
        assertThat(e.offset()).isZero();
        assertThat(e.lengthBytes()).isEqualTo(10_000);
        assertThat(DirectMap.virt(e.phys())).isEqualTo(DirectMap.virt(BAR2 + PAGE));
        assertThat(e.phys()).isEqualTo(BAR2 + PAGE);
        assertThat(pagemap(p).liveReferences()).isEqualTo(2);
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES - 4 * PAGE);
    }

    @Test
    void freeSglReturnsEveryEntry_spec1_4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        SgTable sgl = p.allocator().allocSgl(NVME, 3 * PAGE).orElseThrow();
        p.allocator().freeSgl(NVME, sgl);
        assertThat(sgl.allocator().liveChunks()).isZero();
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES);
        assertThat(pagemap(p).liveReferences()).isZero();
    }

    @Test
    void allocSglFailsWithNullAndLeavesNothingBehind_spec1_4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThat(p.allocator().allocSgl(NVME, 0)).isEmpty();
        assertThat(p.allocator().allocSgl(OTHER, PAGE)).isEmpty();
        p.allocator().allocP2pmem(NVME, BAR_BYTES - PAGE).orElseThrow();
        assertThat(p.allocator().allocSgl(NVME, 2 * PAGE)).isEmpty();
        assertThat(pagemap(p).liveReferences()).isEqualTo(1);
        assertThatThrownBy(() -> p.allocator().allocSgl(NVME, 1L << 32)).isInstanceOf(IllegalArgumentException.class);
    }
}
