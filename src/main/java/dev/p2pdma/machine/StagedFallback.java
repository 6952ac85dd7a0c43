package dev.p2pdma.machine;

import dev.p2pdma.base.Errno;
import dev.p2pdma.block.IoVec;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaPageMapping;
import dev.p2pdma.fabric.FabricTransfer;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.pci.PciAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A caller that falls back when the kernel refuses peer-to-peer (issue 11 part 8): it tries the
 * O_DIRECT transfer between a namespace and p2pmem, and on -EREMOTEIO stages it through host memory
 * with two DMAs through the fabric: for a read, the NVMe controller into a RAM staging buffer (an
 * O_DIRECT read) and then the p2pmem provider's own DMA engine from that RAM into its BAR; for a
 * write, the provider's DMA from its BAR into RAM and then an O_DIRECT write from RAM. Each I/O
 * reports the path it took and the bytes it moved. Thread-safe as far as the buffers go: callers on
 * several threads must each use their own p2pmem and staging buffers (the five-argument
 * {@code transfer} shares one staging buffer and is for one thread).
 */
public final class StagedFallback {

    /** Where the staging buffer starts in the process's RAM buffer: 8 MiB in. */
    static final long STAGING_OFFSET = 8L << 20;

    /** The path an I/O took. */
    public enum Path {
        /** The device moved the data to or from p2pmem directly. */
        PEER_TO_PEER,
        /** Refused with -EREMOTEIO, then staged through host memory by two DMAs. */
        STAGED_THROUGH_HOST_MEMORY,
        /** Neither worked. */
        FAILED
    }

    /**
     * What one I/O did.
     *
     * @param path        the path it took
     * @param bytesMoved  bytes that reached their destination
     * @param firstTry    the O_DIRECT call with the p2pmem buffer
     * @param staged      the O_DIRECT call with the staging buffer, when it came to that
     * @param error       why it failed, when it did
     */
    public record Outcome(Path path, long bytesMoved, ODirectCall firstTry, Optional<ODirectCall> staged, Optional<String> error) {
        /** Refuses nulls. */
        public Outcome {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(firstTry, "firstTry");
        }
    }

    /** The process. */
    private final ODirectProcess process;
    /** The p2pmem provider whose DMA engine copies between RAM and its BAR. */
    private final PciAddress provider;

    /** A caller in {@code process} whose p2pmem belongs to {@code provider}. */
    public StagedFallback(ODirectProcess process, PciAddress provider) {
        this.process = Objects.requireNonNull(process, "process");
        this.provider = Objects.requireNonNull(provider, "provider");
    }

    /**
     * Reads ({@code write} false) or writes {@code len} bytes at file position {@code pos} of
     * {@code namespace} into or from the p2pmem buffer at {@code p2pOffset}.
     */
    public Outcome transfer(boolean write, PciAddress namespace, long pos, long p2pOffset, long len) {
        return transfer(write, namespace, pos, process.addressOf(ODirectOps.BufferKind.P2PMEM, p2pOffset),
                process.addressOf(ODirectOps.BufferKind.RAM, STAGING_OFFSET), len);
    }

    /**
     * As {@link #transfer(boolean, PciAddress, long, long, long)} with the user addresses of the
     * p2pmem buffer and of the RAM staging buffer given: callers on several threads each pass their
     * own buffers ({@code p2pdma simulate}'s jobs).
     */
    public Outcome transfer(boolean write, PciAddress namespace, long pos, long p2p, long staging, long len) {
        ODirectCall first = process.call(write ? "write" : "read", write, namespace, pos, List.of(new IoVec(p2p, len)));
        if (first.result() instanceof ODirectResult.Bytes b) {
            return new Outcome(Path.PEER_TO_PEER, b.bytes(), first, Optional.empty(), Optional.empty());
        }
        if (!(first.result() instanceof ODirectResult.Failed f) || f.errno() != Errno.EREMOTEIO) {
            return new Outcome(Path.FAILED, 0, first, Optional.empty(), Optional.of("the direct transfer gave " + first.result().jsonValue()));
        }
        if (write) {
            Optional<String> e = providerCopy(p2p, staging, len, false);
            if (e.isPresent()) {
                return new Outcome(Path.FAILED, 0, first, Optional.empty(), e);
            }
            ODirectCall second = process.call("write (staged)", true, namespace, pos, List.of(new IoVec(staging, len)));
            return staged(first, second, Optional.empty());
        }
        ODirectCall second = process.call("read (staged)", false, namespace, pos, List.of(new IoVec(staging, len)));
        if (!(second.result() instanceof ODirectResult.Bytes)) {
            return staged(first, second, Optional.empty());
        }
        return staged(first, second, providerCopy(p2p, staging, len, true));
    }

    private static Outcome staged(ODirectCall first, ODirectCall second, Optional<String> copyError) {
        if (copyError.isPresent() || !(second.result() instanceof ODirectResult.Bytes b)) {
            return new Outcome(Path.FAILED, 0, first, Optional.of(second),
                    copyError.or(() -> Optional.of("the staged transfer gave " + second.result().jsonValue())));
        }
        return new Outcome(Path.STAGED_THROUGH_HOST_MEMORY, b.bytes(), first, Optional.of(second), Optional.empty());
    }

    /**
     * The provider's DMA engine copies between RAM and its own BAR, page by page: {@code intoBar}
     * reads the staging RAM through the fabric (mapped for the provider as the DMA API maps it) and
     * stores into the BAR; otherwise it writes its BAR's bytes into the staging RAM.
     */
    private Optional<String> providerCopy(long p2pVirt, long stagingVirt, long len, boolean intoBar) {
        RunningMachine m = process.machine();
        DmaDevice dev = m.device(provider);
        int requester = m.topology().indexOf(provider);
        for (long done = 0; done < len; done += PageSize.PAGE_SIZE) {
            int n = (int) Math.min(PageSize.PAGE_SIZE, len - done);
            Page ram = process.addressSpace().pageAt(stagingVirt + done).orElseThrow();
            Page bar = process.addressSpace().pageAt(p2pVirt + done).orElseThrow();
            DmaDirection dir = intoBar ? DmaDirection.TO_DEVICE : DmaDirection.FROM_DEVICE;
            DmaPageMapping map = m.mapping().mapPage(dev, ram, 0, n, dir, DmaAttrs.NONE);
            if (map.isError()) {
                return Optional.of("dma_map_page() of the staging buffer for " + provider + " failed");
            }
            try {
                if (intoBar) {
                    FabricTransfer t = m.fabric().read(requester, map.dmaAddress(), n);
                    if (!(t instanceof FabricTransfer.Completed c)) {
                        return Optional.of(provider + " could not read the staging buffer: " + ((FabricTransfer.Failed) t).error().describe());
                    }
                    m.memory().write(bar.physAddress(), c.data(), 0, n);
                } else {
                    FabricTransfer t = m.fabric().write(requester, map.dmaAddress(), m.memory().read(bar.physAddress(), n));
                    if (t instanceof FabricTransfer.Failed fail) {
                        return Optional.of(provider + " could not write the staging buffer: " + fail.error().describe());
                    }
                }
            } finally {
                m.mapping().unmapPage(dev, map.dmaAddress(), n, dir, DmaAttrs.NONE);
            }
        }
        return Optional.empty();
    }
}
