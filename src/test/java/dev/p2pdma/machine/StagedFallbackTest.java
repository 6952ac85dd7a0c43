package dev.p2pdma.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.pci.PciAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The fallback caller (issue 11 part 8): on -EREMOTEIO it stages the transfer through host memory
 * with two DMAs through the fabric and completes it, and says which path each I/O took.
 */
class StagedFallbackTest {

    private static ODirectProcess process(String traced, String provider) throws Exception {
        RunningMachine m = RunningMachine.boot(LoadedMachine.load(LoadedMachine.SourceKind.SYSFS,
                Path.of("../shared/dma-traces/" + traced + "/capture.tar.gz"), List.of(), Optional.empty(), UnknownAcsPolicy.NO_REDIRECT),
                RunningMachine.DEFAULT_RAM_BYTES);
        return ODirectProcess.start(m, PciAddress.parse(provider), 2L << 20, false);
    }

    private static byte[] p2pBytes(ODirectProcess p, long offset, int len) {
        long phys = p.addressSpace().pageAt(p.addressOf(ODirectOps.BufferKind.P2PMEM, offset)).orElseThrow().physAddress();
        return p.machine().memory().read(phys, len);
    }

    @Test
    void aRefusedReadIsStagedThroughHostMemoryAndTheBytesReachTheBar_issue11part8() throws Exception {
        ODirectProcess p = process("rp-iommu_off-cpu_intel", "0000:01:00.0");
        PciAddress client = PciAddress.parse("0000:02:00.0");
        StagedFallback caller = new StagedFallback(p, PciAddress.parse("0000:01:00.0"));

        StagedFallback.Outcome o = caller.transfer(false, client, 1L << 20, 0, 64 << 10);

        assertThat(o.firstTry().result()).isEqualTo(new ODirectResult.Failed(dev.p2pdma.base.Errno.EREMOTEIO));
        assertThat(o.path()).isEqualTo(StagedFallback.Path.STAGED_THROUGH_HOST_MEMORY);
        assertThat(o.bytesMoved()).isEqualTo(64 << 10);
        assertThat(p2pBytes(p, 0, 64 << 10)).isEqualTo(p.host(client).namespace().read((1L << 20) / 512, 128));
    }

    @Test
    void aRefusedWriteIsStagedAndTheNamespaceHoldsTheP2pBytes_issue11part8() throws Exception {
        ODirectProcess p = process("rp-iommu_off-cpu_intel", "0000:01:00.0");
        PciAddress client = PciAddress.parse("0000:02:00.0");
        long phys = p.addressSpace().pageAt(p.addressOf(ODirectOps.BufferKind.P2PMEM, 0)).orElseThrow().physAddress();
        byte[] data = new byte[8192];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        p.machine().memory().write(phys, data, 0, data.length);

        StagedFallback.Outcome o = new StagedFallback(p, PciAddress.parse("0000:01:00.0")).transfer(true, client, 4L << 20, 0, 8192);

        assertThat(o.path()).isEqualTo(StagedFallback.Path.STAGED_THROUGH_HOST_MEMORY);
        assertThat(p.host(client).namespace().read((4L << 20) / 512, 16)).isEqualTo(data);
    }

    @Test
    void aPeerToPeerCapablePairNeverStages_issue11part8() throws Exception {
        ODirectProcess p = process("sw-iommu_strict-cpu_intel", "0000:03:00.0");
        PciAddress client = PciAddress.parse("0000:04:00.0");

        StagedFallback.Outcome o = new StagedFallback(p, PciAddress.parse("0000:03:00.0")).transfer(false, client, 0, 0, 4096);

        assertThat(o.path()).isEqualTo(StagedFallback.Path.PEER_TO_PEER);
        assertThat(o.staged()).isEmpty();
        assertThat(p2pBytes(p, 0, 4096)).isEqualTo(p.host(client).namespace().read(0, 8));
    }
}
