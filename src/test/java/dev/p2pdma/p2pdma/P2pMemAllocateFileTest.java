package dev.p2pdma.p2pdma;

import dev.p2pdma.base.DirectMap;
import static dev.p2pdma.p2pdma.ProviderFixtures.BAR_BYTES;
import static dev.p2pdma.p2pdma.ProviderFixtures.a;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.pci.PciAddress;
import org.junit.jupiter.api.Test;

/** Spec 1.6: the mmap rules of the p2pmem/allocate attribute (v6.2+). */
class P2pMemAllocateFileTest {

    private static final PciAddress NVME = a("0000:03:00.0");
    private static final long BAR2 = 0x1_0000_0000L;
    private static final long PAGE = PageSize.PAGE_SIZE;

    private static P2pMemAllocateFile open(P2pDmaProviders p) {
        return p.sysfs().allocateFile(NVME, "p2pmem-test").orElseThrow();
    }

    private static P2pMemMapping mapped(P2pMemAllocateFile.MmapResult r) {
        assertThat(r).isInstanceOf(P2pMemAllocateFile.Mapped.class);
        return ((P2pMemAllocateFile.Mapped) r).mapping();
    }

    private static DevicePageMap pagemap(P2pDmaProviders p) {
        return p.provider(NVME).orElseThrow().pagemaps().get(0);
    }

    @Test
    void aPrivateMappingIsInvalidAndLogged_spec1_6_rule1() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThat(open(p).mmap(false, 0, PAGE)).isEqualTo(new P2pMemAllocateFile.Failed(Errno.EINVAL));
        assertThat(p.log().lines()).endsWith("nvme 0000:03:00.0: p2pmem-test: fail, attempted private mapping");
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES);
    }

    @Test
    void aNonZeroOffsetIsInvalidAndLogged_spec1_6_rule2() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThat(open(p).mmap(true, 1, PAGE)).isEqualTo(new P2pMemAllocateFile.Failed(Errno.EINVAL));
        assertThat(p.log().lines()).endsWith("nvme 0000:03:00.0: p2pmem-test: fail, attempted mapping with non-zero offset");
    }

    @Test
    void aPrivateMappingIsReportedBeforeANonZeroOffset_spec1_6() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThat(open(p).mmap(false, 3, PAGE)).isEqualTo(new P2pMemAllocateFile.Failed(Errno.EINVAL));
        assertThat(p.log().lines()).last().asString().endsWith("attempted private mapping");
    }

    @Test
    void withoutARecordThereIsNoFileAndAFileOfARemovedRecordGivesEnodev_spec1_6_rule3() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThat(p.sysfs().allocateFile(a("0000:04:00.0"), "x")).isEmpty();
        P2pMemAllocateFile f = open(p);
        assertThat(p.removal().tryRemove(NVME)).isEmpty();
        assertThat(f.mmap(true, 0, PAGE)).isEqualTo(new P2pMemAllocateFile.Failed(Errno.ENODEV));
        assertThat(p.registration().addResource(NVME, 2, 0, 0)).isEmpty();
        assertThat(f.mmap(true, 0, PAGE)).as("the old file stays removed after a new record").isEqualTo(new P2pMemAllocateFile.Failed(Errno.ENODEV));
        assertThat(open(p).mmap(true, 0, PAGE)).isInstanceOf(P2pMemAllocateFile.Mapped.class);
    }

    @Test
    void aLengthThePoolCannotServeGivesEnomem_spec1_6_rule4() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThat(open(p).mmap(true, 0, BAR_BYTES + PAGE)).isEqualTo(new P2pMemAllocateFile.Failed(Errno.ENOMEM));
        assertThat(open(p).mmap(true, 0, Long.MAX_VALUE)).isEqualTo(new P2pMemAllocateFile.Failed(Errno.ENOMEM));
        assertThat(open(p).mmap(true, 0, 0)).as("mmap itself refuses length 0").isEqualTo(new P2pMemAllocateFile.Failed(Errno.EINVAL));
    }

    @Test
    void aPageMapBeingTornDownGivesEnodevAndReturnsTheBlock_spec1_6_rule5() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemAllocateFile f = open(p);
        pagemap(p).kill();
        assertThat(f.mmap(true, 0, 4 * PAGE)).isEqualTo(new P2pMemAllocateFile.Failed(Errno.ENODEV));
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES);
        assertThat(pagemap(p).liveReferences()).isZero();
    }

    @Test
    void everyPageIsMappedInOrderAndHoldsOnePageMapReference_spec1_6_rules6and7() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemMapping m = mapped(open(p).mmap(true, 0, 3 * PAGE + 1));
        assertThat(m.pageCount()).as("the VMA is page sized").isEqualTo(4);
        assertThat(m.lengthBytes()).isEqualTo(4 * PAGE);
        for (int i = 0; i < 4; i++) {
            Page page = m.page(i);
            assertThat(page.pfn()).isEqualTo(PageSize.pfn(BAR2) + i);
            assertThat(page.pagemap()).contains(pagemap(p));
            assertThat(m.isMapped(i)).isTrue();
        }
        assertThat(pagemap(p).liveReferences()).isEqualTo(4);
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES - 4 * PAGE);
        assertThat(p.provider(NVME).orElseThrow().userMappingCount()).isEqualTo(1);
    }

    @Test
    void eachPageReturnsToThePoolAloneWhenItsLastUserReferenceDrops_spec1_6_rule7() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemMapping m = mapped(open(p).mmap(true, 0, 4 * PAGE));
        assertThat(m.releasePage(1)).isTrue();
        assertThat(m.releasePage(1)).as("once only").isFalse();
        assertThat(m.isMapped(1)).isFalse();
        assertThat(m.livePages()).isEqualTo(3);
        assertThat(pagemap(p).liveReferences()).isEqualTo(3);
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES - 3 * PAGE);
        P2pMemBlock reuse = p.allocator().allocP2pmem(NVME, PAGE).orElseThrow();
        assertThat(reuse.virt()).as("first fit finds the returned page").isEqualTo(DirectMap.virt(BAR2 + PAGE));
        p.allocator().freeP2pmem(reuse);
        assertThat(m.unmap()).isEqualTo(3);
        assertThat(m.livePages()).isZero();
        assertThat(pagemap(p).liveReferences()).isZero();
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES);
        assertThat(p.provider(NVME).orElseThrow().userMappingCount()).isZero();
    }
}
