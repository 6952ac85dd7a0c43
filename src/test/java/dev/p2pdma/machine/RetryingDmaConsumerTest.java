package dev.p2pdma.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.LegacyDmaOps;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.p2pdma.P2pMemBlock;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.sg.SgTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The retry-forever consumer (issue 11 part 7, spec 3.2, 9.2–9.4): a driver that retries what it
 * takes for a passing shortage. The contract that landed (dma_map_sgtable()) tells it -EREMOTEIO,
 * permanent, and it stops; a driver that reads 0 from dma_map_sg() as "try again" (the RFC's doc
 * comment) spins in 6.12, whose dma_map_sg() clamps that error to 0, and the model reports the
 * livelock instead of living it; under the RFC itself dma_map_sg() returned -EREMOTEIO and the same
 * driver stopped, which is the calling convention the reviewers objected to.
 */
class RetryingDmaConsumerTest {

    /** Two root ports on an Intel q35: the provider's p2pmem is NOT_SUPPORTED for the client. */
    private static final Path NOT_SUPPORTED = Path.of("../shared/dma-traces/rp-iommu_off-cpu_intel/capture.tar.gz");
    /** The provider. */
    private static final PciAddress PROVIDER = PciAddress.parse("0000:01:00.0");
    /** The client. */
    private static final PciAddress CLIENT = PciAddress.parse("0000:02:00.0");

    private static RunningMachine boot() throws Exception {
        return RunningMachine.boot(LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, NOT_SUPPORTED, List.of(), Optional.empty(),
                UnknownAcsPolicy.NO_REDIRECT), RunningMachine.DEFAULT_RAM_BYTES);
    }

    /** A one-entry table holding 4 KiB of the provider's p2pmem. */
    private static SgTable p2pTable(RunningMachine m) {
        P2pMemBlock b = m.providers().allocator().allocP2pmem(PROVIDER, 4096).orElseThrow();
        SgTable t = new SgTable();
        t.alloc(1);
        t.first().orElseThrow().setPage(m.memory().memMap().pageOrThrow(PageSize.pfn(DirectMap.phys(b.virt()))), 4096, 0);
        return t;
    }

    @Test
    void p2pPagesNeverReachADriverWhoseQueueLacksTheCapability_spec6_3_spec7() throws Exception {
        RunningMachine m = boot();
        ODirectProcess p = ODirectProcess.start(m, PROVIDER, 64L << 10, false);
        long p2p = p.addressOf(ODirectOps.BufferKind.P2PMEM, 0);
        dev.p2pdma.block.QueueLimits noP2p = p.host(CLIENT).limits();
        noP2p = new dev.p2pdma.block.QueueLimits(noP2p.logicalBlockBytes(), noP2p.physicalBlockBytes(), noP2p.maxHwSectors(), noP2p.maxSectors(),
                noP2p.maxSegments(), noP2p.maxSegmentBytes(), noP2p.segBoundaryMask(), noP2p.virtBoundaryMask(), noP2p.dmaAlignment(), false);

        assertThat(p.addressSpace().pinUserPagesFast(p2p, 1, dev.p2pdma.block.BlockDirectIo.gupFlags(dev.p2pdma.block.ReqOp.READ, noP2p)))
                .as("pinning without FOLL_PCI_P2PDMA").isEqualTo(new dev.p2pdma.block.UserAddressSpace.PinFailed(Errno.EREMOTEIO));
        dev.p2pdma.block.DirectIoSubmission s = dev.p2pdma.block.BlockDirectIo.submit(p.addressSpace(), noP2p, 16L << 20,
                dev.p2pdma.block.ReqOp.READ, 0, List.of(new dev.p2pdma.block.IoVec(p2p, 4096)));
        assertThat(s.requests()).as("no request, so no mapping call reaches the driver").isEmpty();
        assertThat(s.error()).contains(Errno.EREMOTEIO);
        assertThat(p.addressSpace().totalPins()).isZero();
    }

    @Test
    void theSgtableContractStopsAtEremoteio_spec3_2() throws Exception {
        RunningMachine m = boot();
        RetryingDmaConsumer c = new RetryingDmaConsumer(m.mapping(), m.clock(), RetryingDmaConsumer.Contract.SGTABLE_ERRNO, 1000);

        RetryingDmaConsumer.Outcome o = c.map(m.device(CLIENT), p2pTable(m), DmaDirection.FROM_DEVICE);

        assertThat(o).isEqualTo(new RetryingDmaConsumer.Outcome.Failed(1, Errno.EREMOTEIO));
        assertThat(m.clock().nowNs()).isZero();
    }

    @Test
    void readingZeroFromDmaMapSgAsTryAgainSpinsAndIsReportedNotLived_spec9_3() throws Exception {
        RunningMachine m = boot();
        RetryingDmaConsumer c = new RetryingDmaConsumer(m.mapping(), m.clock(), RetryingDmaConsumer.Contract.ZERO_MEANS_TRY_AGAIN, 1000);

        RetryingDmaConsumer.Outcome o = c.map(m.device(CLIENT), p2pTable(m), DmaDirection.FROM_DEVICE);

        assertThat(o).isInstanceOfSatisfying(RetryingDmaConsumer.Outcome.Spinning.class, s -> {
            assertThat(s.attempts()).isEqualTo(1000);
            assertThat(s.modelTimeNs()).isEqualTo(1000 * RetryingDmaConsumer.RETRY_DELAY_NS);
            assertThat(s.answer()).isEqualTo("dma_map_sg() = 0");
        });
    }

    @Test
    void underTheRfcDmaMapSgItselfReturnedEremoteioSoTheSameDriverStopped_spec9_2() throws Exception {
        RunningMachine m = boot();
        RetryingDmaConsumer rfc = new RetryingDmaConsumer(m.mapping().withEra(Era.RFC), m.clock(),
                RetryingDmaConsumer.Contract.ZERO_MEANS_TRY_AGAIN, 50);
        assertThat(rfc.map(m.device(CLIENT), p2pTable(m), DmaDirection.FROM_DEVICE)).isEqualTo(
                new RetryingDmaConsumer.Outcome.Failed(1, Errno.EREMOTEIO));
        DmaDevice legacy = m.device(CLIENT).toBuilder().ops(LegacyDmaOps.returningOnFailure(0)).build();
        assertThat(rfc.map(legacy, p2pTable(m), DmaDirection.FROM_DEVICE)).as("a backend without P2PDMA support refuses the page")
                .isEqualTo(new RetryingDmaConsumer.Outcome.Failed(1, Errno.EREMOTEIO));
        assertThat(m.clock().nowNs()).isZero();
    }

    @Test
    void ramMapsAtTheFirstAttemptUnderEitherContract_spec3_2() throws Exception {
        RunningMachine m = boot();
        for (RetryingDmaConsumer.Contract contract : RetryingDmaConsumer.Contract.values()) {
            SgTable t = new SgTable();
            t.alloc(1);
            t.first().orElseThrow().setPage(m.memory().memMap().pageOrThrow(PageSize.pfn(96L << 20)), 4096, 0);
            RetryingDmaConsumer c = new RetryingDmaConsumer(m.mapping(), m.clock(), contract, 10);
            assertThat(c.map(m.device(CLIENT), t, DmaDirection.TO_DEVICE)).as(contract.name()).isEqualTo(new RetryingDmaConsumer.Outcome.Mapped(1, 1));
        }
    }
}
