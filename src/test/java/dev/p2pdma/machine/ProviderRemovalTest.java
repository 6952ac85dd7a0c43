package dev.p2pdma.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.block.BlkStatus;
import dev.p2pdma.block.BlockDirectIo;
import dev.p2pdma.block.DirectIoSubmission;
import dev.p2pdma.block.IoResult;
import dev.p2pdma.block.IoVec;
import dev.p2pdma.block.ReqOp;
import dev.p2pdma.block.Request;
import dev.p2pdma.p2pdma.P2pDmaProvider;
import dev.p2pdma.pci.PciAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A provider removed while O_DIRECT into its p2pmem is in flight (issue 11 tests: faults): the
 * process loses the mapping at once, the in-flight call fails cleanly (its device DMA into a BAR
 * that is gone completes nothing: -EIO), the pages the I/O still pins are not returned to the pool
 * until their last unpin, the provider's record stays until then, and afterwards removal finishes.
 */
class ProviderRemovalTest {

    /** A switch boot with a strict IOMMU: the provider's p2pmem is BUS_ADDR for the client. */
    private static final Path CAPTURE = Path.of("../shared/dma-traces/sw-iommu_strict-cpu_intel/capture.tar.gz");
    /** The provider. */
    private static final PciAddress PROVIDER = PciAddress.parse("0000:03:00.0");
    /** The client. */
    private static final PciAddress CLIENT = PciAddress.parse("0000:04:00.0");
    /** The p2pmem the process maps: 2 MiB. */
    private static final long MMAP_BYTES = 2L << 20;
    /** The in-flight read: 16 KiB, 4 pages. */
    private static final int BYTES = 16 << 10;

    @Test
    void anInFlightCallFailsCleanlyAndPinnedPagesStayOutOfThePoolUntilUnpinned_issue11() throws Exception {
        RunningMachine m = RunningMachine.boot(LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, CAPTURE, List.of(), Optional.empty(),
                UnknownAcsPolicy.NO_REDIRECT), RunningMachine.DEFAULT_RAM_BYTES);
        ODirectProcess p = ODirectProcess.start(m, PROVIDER, MMAP_BYTES, false);
        NvmeHost host = p.host(CLIENT);
        P2pDmaProvider provider = m.providers().provider(PROVIDER).orElseThrow();
        long buffer = p.addressOf(ODirectOps.BufferKind.P2PMEM, 0);
        long barBefore = provider.availBytes();

        // the call is in flight: its bio holds pins on 4 p2pmem pages, its requests are not issued yet
        DirectIoSubmission s = BlockDirectIo.submit(p.addressSpace(), host.limits(), host.namespace().sizeBytes(), ReqOp.READ, 0,
                List.of(new IoVec(buffer, BYTES)));
        assertThat(s.requests()).isNotEmpty();
        assertThat(p.addressSpace().totalPins()).isEqualTo(BYTES / 4096);

        assertThat(m.removeProvider(PROVIDER)).isEmpty();

        assertThat(p.addressSpace().pageAt(buffer)).as("the mapping is gone from the process at once").isEmpty();
        assertThat(barBefore).as("the driver's 64 KiB queue and the 2 MiB mmap were taken").isEqualTo(provider.sizeBytes() - (64L << 10) - MMAP_BYTES);
        assertThat(provider.availBytes()).as("the driver's queue and every unpinned page are back, the 4 pinned ones are not")
                .isEqualTo(provider.sizeBytes() - BYTES);
        assertThat(m.providers().removal().tryRemove(PROVIDER)).as("the record stays while pages are pinned").contains(Errno.EBUSY);

        List<BlkStatus> statuses = new ArrayList<>();
        for (Request rq : s.requests()) {
            statuses.add(host.issue(rq).record().status());
        }
        assertThat(statuses).containsOnly(BlkStatus.IOERR);
        assertThat(s.complete(statuses)).isEqualTo(new IoResult.Failed(Errno.EIO));
        assertThat(provider.availBytes()).as("still pinned during completion").isEqualTo(provider.sizeBytes() - BYTES);

        BlockDirectIo.release(p.addressSpace(), s);

        assertThat(p.addressSpace().totalPins()).isZero();
        assertThat(m.providers().removal().tryRemove(PROVIDER)).as("removal finishes once nothing is in use").isEmpty();
        assertThat(m.providers().provider(PROVIDER)).isEmpty();
        ODirectCall after = p.call("after", false, CLIENT, 0, List.of(new IoVec(buffer, 4096)));
        assertThat(after.result()).isEqualTo(new ODirectResult.Failed(Errno.EFAULT));
    }
}
