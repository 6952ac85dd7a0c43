package dev.p2pdma.p2pdma;

import dev.p2pdma.base.KernelLog;
import static dev.p2pdma.p2pdma.ProviderFixtures.BAR_BYTES;
import static dev.p2pdma.p2pdma.ProviderFixtures.a;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.pci.PciAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Spec 1.1 (release in era SG): removal never frees memory still in use. */
class ProviderRemovalTest {

    private static final PciAddress NVME = a("0000:03:00.0");
    private static final long BAR2 = 0x1_0000_0000L;
    private static final long PAGE = PageSize.PAGE_SIZE;

    @Test
    void removingWithNothingOutstandingDropsEverything_spec1_1() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        p.finder().publish(NVME, true);
        int idx = p.topology().indexOf(NVME);
        assertThat(p.removal().tryRemove(NVME)).isEmpty();
        assertThat(p.provider(NVME)).isEmpty();
        assertThat(p.finder().hasP2pmem(NVME)).isFalse();
        assertThat(p.mapTypes().hasRecord(idx)).as("map_types destroyed").isFalse();
        assertThat(p.memory().memMap().page(PageSize.pfn(BAR2))).as("pages memunmapped").isEmpty();
        assertThat(p.sysfs().sizeAttribute(NVME)).isEqualTo("0\n");
        assertThat(p.allocator().allocP2pmem(NVME, PAGE)).isEmpty();
        assertThat(p.removal().tryRemove(NVME)).contains(Errno.ENODEV);
    }

    @Test
    void outstandingAllocationsMakeRemovalBusyAndKeepTheMemoryMapped_spec1_1() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemBlock held = p.allocator().allocP2pmem(NVME, 2 * PAGE).orElseThrow();
        assertThat(p.removal().tryRemove(NVME)).contains(Errno.EBUSY);
        P2pDmaProvider rec = p.provider(NVME).orElseThrow();
        assertThat(rec.dying()).isTrue();
        DevicePageMap map = rec.pagemaps().get(0);
        assertThat(map.isLive()).as("killed").isFalse();
        assertThat(p.memory().memMap().page(PageSize.pfn(BAR2)).orElseThrow().pagemap()).contains(map);
        assertThat(p.allocator().virtToBus(NVME, held.virt())).as("the holder can still use its memory").isEqualTo(BAR2);
        assertThat(p.allocator().allocP2pmem(NVME, PAGE)).as("no new allocations once killed").isEmpty();
        assertThat(p.removal().tryRemove(NVME)).contains(Errno.EBUSY);
        p.allocator().freeP2pmem(held);
        assertThat(p.removal().tryRemove(NVME)).isEmpty();
        assertThat(p.provider(NVME)).isEmpty();
        assertThat(p.memory().memMap().page(PageSize.pfn(BAR2))).isEmpty();
    }

    @Test
    void awaitRemovalWaitsForTheLastReference_spec1_1() throws Exception {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemBlock held = p.allocator().allocP2pmem(NVME, PAGE).orElseThrow();
        CountDownLatch killed = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            try {
                killed.await();
                while (p.provider(NVME).orElseThrow().pagemaps().get(0).isLive()) {
                    Thread.onSpinWait();
                }
                p.allocator().freeP2pmem(held);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(p.removal().beginRemoval(NVME)).isEmpty();
        killed.countDown();
        assertThat(p.removal().awaitRemoval(NVME, Duration.ofSeconds(30))).isEmpty();
        holder.get(30, TimeUnit.SECONDS);
        assertThat(p.provider(NVME)).isEmpty();
    }

    @Test
    void awaitRemovalGivesUpWithEbusyAndLeavesTheRecordDying_spec1_1() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemBlock held = p.allocator().allocP2pmem(NVME, PAGE).orElseThrow();
        assertThat(p.removal().awaitRemoval(NVME, Duration.ofMillis(20))).contains(Errno.EBUSY);
        assertThat(p.provider(NVME).orElseThrow().dying()).isTrue();
        p.allocator().freeP2pmem(held);
        assertThat(p.removal().awaitRemoval(NVME, Duration.ZERO)).isEmpty();
    }

    @Test
    void removalTearsDownUserMappingsOfTheAllocateFile_spec1_1_spec1_6() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemAllocateFile f = p.sysfs().allocateFile(NVME, "t").orElseThrow();
        P2pMemMapping m = ((P2pMemAllocateFile.Mapped) f.mmap(true, 0, 3 * PAGE)).mapping();
        assertThat(p.removal().tryRemove(NVME)).isEmpty();
        assertThat(m.livePages()).isZero();
        assertThat(m.releasePage(0)).as("already returned by the teardown").isFalse();
        assertThat(f.mmap(true, 0, PAGE)).isEqualTo(new P2pMemAllocateFile.Failed(Errno.ENODEV));
    }

    @Test
    void aDyingProviderRefusesNewResourcesAndMappings_spec1_1() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        P2pMemAllocateFile f = p.sysfs().allocateFile(NVME, "t").orElseThrow();
        P2pMemBlock held = p.allocator().allocP2pmem(NVME, PAGE).orElseThrow();
        assertThat(p.removal().beginRemoval(NVME)).isEmpty();
        assertThat(p.removal().beginRemoval(NVME)).as("idempotent").isEmpty();
        assertThat(p.registration().addResource(NVME, 2, 0, 0)).contains(Errno.EBUSY);
        assertThat(f.mmap(true, 0, PAGE)).isEqualTo(new P2pMemAllocateFile.Failed(Errno.ENODEV));
        assertThat(p.sysfs().allocateFile(NVME, "t")).isEmpty();
        p.allocator().freeP2pmem(held);
        assertThat(p.removal().tryRemove(NVME)).isEmpty();
    }

    @Test
    void aRemovedProviderCanRegisterAgainWithAFreshRecord_spec1_1() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        int idx = p.topology().indexOf(NVME);
        p.mapTypes().mapType(idx, p.topology().indexOf(a("0000:04:00.0")), KernelLog.discard());
        assertThat(p.mapTypes().cachedPairs(idx)).isEqualTo(1);
        assertThat(p.removal().tryRemove(NVME)).isEmpty();
        assertThat(p.registration().addResource(NVME, 2, 0, 0)).isEmpty();
        assertThat(p.mapTypes().cachedPairs(idx)).isZero();
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES);
        Optional<P2pMemBlock> b = p.allocator().allocP2pmem(NVME, PAGE);
        assertThat(b).isPresent();
    }

    @Test
    void removingAFunctionWithoutARecordIsEnodev_spec1_1() {
        P2pDmaProviders p = ProviderFixtures.providers(KernelLog.create(), 1);
        assertThat(p.removal().beginRemoval(NVME)).contains(Errno.ENODEV);
        assertThat(p.removal().awaitRemoval(NVME, Duration.ZERO)).contains(Errno.ENODEV);
    }
}
