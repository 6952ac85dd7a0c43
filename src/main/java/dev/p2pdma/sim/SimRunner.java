package dev.p2pdma.sim;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.block.BlkStatus;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapResult;
import dev.p2pdma.dma.DmaPageMapping;
import dev.p2pdma.fabric.FabricError;
import dev.p2pdma.fabric.FabricTransfer;
import dev.p2pdma.machine.ODirectCall;
import dev.p2pdma.machine.ODirectProcess;
import dev.p2pdma.machine.ODirectResult;
import dev.p2pdma.machine.RunningMachine;
import dev.p2pdma.machine.StagedFallback;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.nvme.NvmeNamespace;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pMemBlock;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.sg.SgWalk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a {@code simulate} scenario's workloads through the data plane of a running machine, every
 * I/O for real: a read or write is an O_DIRECT call of one process (block layer, nvme-pci, the DMA
 * mapping core, the IOMMU, the controller's DMA through the fabric) on p2pmem mmapped from the
 * provider, falling back to a staged bounce through host memory when the kernel refuses the pair
 * with -EREMOTEIO ({@link StagedFallback}); a copy is the source accelerator's DMA engine writing
 * into the destination's BAR through the fabric, mapped with dma_map_sgtable() (or not, with
 * {@code dma_map: false}), staged through RAM by both devices' DMA when the mapping is refused.
 *
 * <p>Data: every namespace is filled with seeded bytes before the run and each read's destination
 * is poisoned before the I/O and compared with the namespace's bytes after it; each write or copy
 * puts seeded bytes into its source first and compares the destination after. The {@code size}
 * never lives in memory: each job moves its I/Os one after another through its own buffer of one
 * I/O, and its namespace offsets cycle through its own share of the namespace (16 MiB in memory),
 * so jobs never touch each other's bytes. A job is one worker thread; queue depth is not
 * executed (each worker has one I/O in flight) and only goes to the bandwidth prediction.
 *
 * <p>Thread-safety: {@link #run} may be called from any thread; it starts a thread per job and
 * waits for them. The workers share the process, the DMA core, the fabric, memory and namespaces,
 * all thread-safe; each worker's buffers, sg table and counters are its own.
 */
public final class SimRunner {

    /** How many I/Os a job issues between updates of the shared progress counter. */
    private static final int PROGRESS_EVERY = 256;
    /** Seed of the namespaces' and sources' data. */
    static final long DATA_SEED = 0x5eed_2026L;
    /** Bytes of the seeded pattern write and copy sources take their slices from, beyond one I/O: 2 MiB. */
    private static final int PATTERN_SPAN = 2 << 20;

    private SimRunner() {
    }

    /**
     * What one stream did.
     *
     * @param workload   the workload
     * @param ios        I/Os issued (both directions of a two-way copy)
     * @param bytes      bytes that reached their destination
     * @param faults     I/Os whose device DMA did not complete in the fabric (an IOMMU fault or an unsupported request)
     * @param errors     I/Os that failed (faults included)
     * @param fallbacks  I/Os refused peer-to-peer and staged through host memory instead
     * @param verified   I/Os whose destination bytes were compared with the source
     * @param mismatches verified I/Os whose destination did not hold the source's bytes
     * @param mapType    the kernel's map type for the pair (provider = where the data lands or comes from, client = the DMA master)
     * @param path       the route of the pair, as {@code explain} shows it
     * @param dma        how the successful I/Os' DMA addresses were made: "bus", "iova", "phys", "swiotlb", "unmapped", joined with "+"
     * @param firstError the first failure in words, when there was one
     * @param wrapBytes  bytes of namespace each job cycles through (0 for a copy)
     */
    public record StreamResult(SimScenario.Workload workload, long ios, long bytes, long faults, long errors, long fallbacks, long verified,
                               long mismatches, MapType mapType, List<String> path, String dma, Optional<String> firstError, long wrapBytes) {
        /** Copies. */
        public StreamResult {
            path = List.copyOf(path);
        }
    }

    /**
     * What a run did.
     *
     * @param dmaSetup the DMA setup the machine booted with, in words
     * @param streams  per workload, in scenario order
     * @param elapsedNs wall time of the I/O phase
     */
    public record Result(String dmaSetup, List<StreamResult> streams, long elapsedNs) {
        /** Copies. */
        public Result {
            streams = List.copyOf(streams);
        }
    }

    /** Total I/Os a scenario issues (two-way copies count twice): the progress bar's 100 %. */
    public static long totalIos(SimScenario s) {
        return s.workloads().stream().mapToLong(w -> w.ios() * (w.bothWays() ? 2 : 1)).sum();
    }

    /**
     * Runs every workload at once, a thread per job, and returns per-stream results.
     *
     * @param progress incremented as I/Os complete (read it from another thread for a progress bar)
     * @throws ImportException when a workload cannot run on this machine (a device that is not an
     *                         NVMe controller or has no p2pmem, buffers that do not fit), naming the file and line
     */
    public static Result run(SimScenario s, RunningMachine m, AtomicLong progress) throws ImportException {
        ODirectProcess process = ODirectProcess.startWithoutP2pmem(m, false);
        for (SimScenario.Workload w : s.workloads()) {
            check(s, m, process, w);
        }
        Map<PciAddress, byte[]> namespaces = seedNamespaces(s, process);
        byte[] pattern = new byte[PATTERN_SPAN + (int) SimScenarioReader.MAX_IO_BYTES];
        new SplittableRandom(DATA_SEED).nextBytes(pattern);
        List<Job> jobs = new ArrayList<>();
        Map<SimScenario.Workload, Counters> counters = new LinkedHashMap<>();
        long ramAt = 0;
        Map<PciAddress, Long> p2pmemNeed = new LinkedHashMap<>();
        Map<PciAddress, Integer> nsUsers = new HashMap<>();
        for (SimScenario.Workload w : s.workloads()) {
            if (w.kind() != SimScenario.Kind.COPY) {
                p2pmemNeed.merge(w.p2pmemProvider(), (long) w.jobs() * PageSize.alignUp(w.ioSizeBytes()), Long::sum);
                nsUsers.merge(w.nvme(), w.jobs(), Integer::sum);
            }
        }
        Map<PciAddress, Long> p2pmemAt = new HashMap<>();
        for (Map.Entry<PciAddress, Long> e : p2pmemNeed.entrySet()) {
            try {
                p2pmemAt.put(e.getKey(), process.mapP2pmem(e.getKey(), e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw new ImportException(s.file() + ": the workloads on " + e.getKey() + "'s p2pmem need " + e.getValue()
                        + " bytes (jobs x io_size): " + ex.getMessage(), ex);
            }
        }
        Map<PciAddress, Integer> nsNext = new HashMap<>();
        for (SimScenario.Workload w : s.workloads()) {
            Counters c = new Counters();
            counters.put(w, c);
            long buf = PageSize.alignUp(w.ioSizeBytes());
            int directions = w.bothWays() ? 2 : 1;
            for (int dir = 0; dir < directions; dir++) {
                for (int j = 0; j < w.jobs(); j++) {
                    long ios = w.ios() / w.jobs() + (j < w.ios() % w.jobs() ? 1 : 0);
                    if (ramAt + buf > ODirectProcess.RAM_BUFFER_BYTES) {
                        throw new ImportException("workload " + w.name() + ": the staging buffers of all jobs (jobs x io_size) exceed the "
                                + (ODirectProcess.RAM_BUFFER_BYTES >> 20) + " MiB RAM buffer of the process: fewer jobs or smaller I/Os ("
                                + s.file() + " line " + w.line() + ")");
                    }
                    long staging = process.addressOf(dev.p2pdma.machine.ODirectOps.BufferKind.RAM, ramAt);
                    ramAt += buf;
                    long seed = DATA_SEED ^ ((long) jobs.size() << 20);
                    if (w.kind() == SimScenario.Kind.COPY) {
                        PciAddress from = dir == 0 ? w.from() : w.to();
                        PciAddress to = dir == 0 ? w.to() : w.from();
                        jobs.add(new CopyJob(s, w, m, process, from, to, staging, pattern, seed, ios, c));
                    } else {
                        NvmeNamespace ns = process.host(w.nvme()).namespace();
                        long slots = ns.sizeBytes() / w.ioSizeBytes() / nsUsers.get(w.nvme());
                        if (slots == 0) {
                            throw new ImportException("workload " + w.name() + ": the " + (ns.sizeBytes() >> 20) + " MiB namespace of " + w.nvme()
                                    + " has no room for one I/O of " + w.ioSizeBytes() + " bytes per job (" + nsUsers.get(w.nvme())
                                    + " jobs use it): fewer jobs or smaller I/Os (" + s.file() + " line " + w.line() + ")");
                        }
                        int user = nsNext.merge(w.nvme(), 1, Integer::sum) - 1;
                        long p2p = p2pmemAt.get(w.p2pmemProvider());
                        p2pmemAt.put(w.p2pmemProvider(), p2p + buf);
                        c.wrapBytes = slots * w.ioSizeBytes();
                        jobs.add(new NvmeJob(w, m, process, p2p, staging, user * slots, slots, namespaces.get(w.nvme()), pattern, seed, ios, c));
                    }
                }
            }
        }
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> crash = new AtomicReference<>();
        for (int i = 0; i < jobs.size(); i++) {
            Job job = jobs.get(i);
            Thread t = new Thread(() -> {
                try {
                    job.run(progress);
                } catch (RuntimeException | Error e) {
                    crash.compareAndSet(null, e);
                }
            }, "simulate-" + job.workload().name() + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the workloads ran", e);
            }
        }
        long elapsed = System.nanoTime() - t0;
        if (crash.get() != null) {
            throw new IllegalStateException("a worker failed: " + crash.get(), crash.get());
        }
        jobs.forEach(Job::release);
        List<StreamResult> out = new ArrayList<>();
        for (Map.Entry<SimScenario.Workload, Counters> e : counters.entrySet()) {
            SimScenario.Workload w = e.getKey();
            Counters c = e.getValue();
            PciAddress provider = w.kind() == SimScenario.Kind.COPY ? w.to() : w.p2pmemProvider();
            PciAddress client = w.kind() == SimScenario.Kind.COPY ? w.from() : w.nvme();
            P2pVerdict v = m.loaded().decision().verdict(provider, client);
            out.add(new StreamResult(w, c.ios.get(), c.bytes.get(), c.faults.get(), c.errors.get(), c.fallbacks.get(), c.verified.get(),
                    c.mismatches.get(), v.mapType(), v.path(), c.dmaKinds(), Optional.ofNullable(c.firstError.get()), c.wrapBytes));
        }
        return new Result(m.dmaSetup().describe(), out, elapsed);
    }

    /** Checks a workload's devices against the machine: one line naming the file and line when they cannot do it. */
    private static void check(SimScenario s, RunningMachine m, ODirectProcess p, SimScenario.Workload w) throws ImportException {
        String at = " (" + s.file() + " line " + w.line() + ")";
        for (PciAddress a : List.of(w.from(), w.to())) {
            if (m.topology().indexOf(a) < 0) {
                throw new ImportException("workload " + w.name() + ": " + a + " is not a PCI function of " + m.topology().machine().source() + at);
            }
        }
        List<PciAddress> providers = w.kind() == SimScenario.Kind.COPY ? List.of(w.from(), w.to()) : List.of(w.p2pmemProvider());
        for (PciAddress a : providers) {
            if (m.providers().provider(a).isEmpty()) {
                throw new ImportException("workload " + w.name() + ": " + a + " has no p2pmem" + at);
            }
        }
        if (w.kind() != SimScenario.Kind.COPY) {
            try {
                p.host(w.nvme());
            } catch (IllegalArgumentException e) {
                throw new ImportException("workload " + w.name() + ": " + e.getMessage() + at, e);
            }
        } else {
            for (PciAddress a : providers) {
                try {
                    m.device(a);
                } catch (IllegalArgumentException e) {
                    throw new ImportException("workload " + w.name() + ": " + e.getMessage() + at, e);
                }
            }
        }
    }

    /** Fills every namespace a read or write uses with seeded bytes; returns their content, by controller. */
    private static Map<PciAddress, byte[]> seedNamespaces(SimScenario s, ODirectProcess p) {
        Map<PciAddress, byte[]> out = new HashMap<>();
        for (SimScenario.Workload w : s.workloads()) {
            if (w.kind() == SimScenario.Kind.COPY || out.containsKey(w.nvme())) {
                continue;
            }
            NvmeNamespace ns = p.host(w.nvme()).namespace();
            byte[] content = new byte[Math.toIntExact(ns.sizeBytes())];
            new SplittableRandom(DATA_SEED ^ w.nvme().hashCode()).nextBytes(content);
            ns.write(0, content);
            out.put(w.nvme(), content);
        }
        return out;
    }

    /** A stream's counters, shared by its jobs. Thread-safe. */
    private static final class Counters {
        /** I/Os issued. */
        final AtomicLong ios = new AtomicLong();
        /** Bytes delivered. */
        final AtomicLong bytes = new AtomicLong();
        /** Fabric faults. */
        final AtomicLong faults = new AtomicLong();
        /** Failed I/Os. */
        final AtomicLong errors = new AtomicLong();
        /** Staged I/Os. */
        final AtomicLong fallbacks = new AtomicLong();
        /** Verified I/Os. */
        final AtomicLong verified = new AtomicLong();
        /** Mismatches. */
        final AtomicLong mismatches = new AtomicLong();
        /** The first failure in words. */
        final AtomicReference<String> firstError = new AtomicReference<>();
        /** DMA address kinds seen, bit per {@link #KINDS} entry. */
        final java.util.concurrent.atomic.AtomicInteger kinds = new java.util.concurrent.atomic.AtomicInteger();
        /** Namespace bytes each job cycles through (set before the run). */
        volatile long wrapBytes;

        /** The names of the kinds bits. */
        static final List<String> KINDS = List.of("bus", "iova", "phys", "swiotlb", "unmapped");

        void kind(String k) {
            int bit = 1 << KINDS.indexOf(k);
            if ((kinds.get() & bit) == 0) {
                kinds.getAndUpdate(v -> v | bit);
            }
        }

        String dmaKinds() {
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < KINDS.size(); i++) {
                if ((kinds.get() & (1 << i)) != 0) {
                    seen.add(KINDS.get(i));
                }
            }
            return seen.isEmpty() ? "none" : String.join("+", seen);
        }

        /** Adds one job's totals. */
        void add(long nIos, long nBytes, long nFaults, long nErrors, long nFallbacks, long nVerified, long nMismatches) {
            ios.addAndGet(nIos);
            bytes.addAndGet(nBytes);
            faults.addAndGet(nFaults);
            errors.addAndGet(nErrors);
            fallbacks.addAndGet(nFallbacks);
            verified.addAndGet(nVerified);
            mismatches.addAndGet(nMismatches);
        }
    }

    /** One worker's share of a stream. Not thread-safe: one thread runs it. */
    private abstract static class Job {
        /** The workload. */
        final SimScenario.Workload w;
        /** I/Os to issue. */
        final long ios;
        /** The stream's counters. */
        final Counters c;
        /** Bytes per I/O. */
        final int io;
        /** The seeded pattern sources take slices of. */
        final byte[] pattern;
        /** Picks the pattern slice of each I/O. */
        final SplittableRandom rnd;
        /** Local totals, added to the stream's at the end. */
        long nBytes;
        /** Local fault count. */
        long nFaults;
        /** Local error count. */
        long nErrors;
        /** Local fallback count. */
        long nFallbacks;
        /** Local verified count. */
        long nVerified;
        /** Local mismatch count. */
        long nMismatches;

        Job(SimScenario.Workload w, long ios, Counters c, byte[] pattern, long seed) {
            this.w = w;
            this.ios = ios;
            this.c = c;
            this.io = Math.toIntExact(w.ioSizeBytes());
            this.pattern = pattern;
            this.rnd = new SplittableRandom(seed);
        }

        SimScenario.Workload workload() {
            return w;
        }

        /** Where this I/O's source bytes start in the pattern: a 512-byte aligned offset below 2 MiB. */
        int patternOffset() {
            return rnd.nextInt(PATTERN_SPAN / 512) * 512;
        }

        void run(AtomicLong progress) {
            long pending = 0;
            for (long k = 0; k < ios; k++) {
                one(k);
                if (++pending == PROGRESS_EVERY) {
                    progress.addAndGet(pending);
                    pending = 0;
                }
            }
            progress.addAndGet(pending);
            c.add(ios, nBytes, nFaults, nErrors, nFallbacks, nVerified, nMismatches);
        }

        void failed(String why) {
            nErrors++;
            c.firstError.compareAndSet(null, why);
        }

        /** Issues I/O number {@code k}. */
        abstract void one(long k);

        /** Frees what the job allocated. */
        void release() {
        }
    }

    /** A job of a read or write: O_DIRECT through one process, staged on -EREMOTEIO. */
    private static final class NvmeJob extends Job {
        /** The machine. */
        private final RunningMachine m;
        /** The caller with its fallback. */
        private final StagedFallback caller;
        /** The p2pmem buffer's user address. */
        private final long p2p;
        /** The staging buffer's user address. */
        private final long staging;
        /** The physical address of each page of the p2pmem buffer. */
        private final long[] p2pPhys;
        /** First namespace slot of this job. */
        private final long slotBase;
        /** Slots of this job. */
        private final long slots;
        /** The namespace's seeded content. */
        private final byte[] content;
        /** The namespace. */
        private final NvmeNamespace ns;
        /** Zeros, to poison a read's destination. */
        private final byte[] zeros;
        /** A read's destination bytes. */
        private final byte[] got;

        NvmeJob(SimScenario.Workload w, RunningMachine m, ODirectProcess process, long p2p, long staging, long slotBase, long slots, byte[] content,
                byte[] pattern, long seed, long ios, Counters c) {
            super(w, ios, c, pattern, seed);
            this.m = m;
            this.caller = new StagedFallback(process, w.p2pmemProvider());
            this.p2p = p2p;
            this.staging = staging;
            this.slotBase = slotBase;
            this.slots = slots;
            this.content = content;
            this.ns = process.host(w.nvme()).namespace();
            int pages = (int) (PageSize.alignUp(io) >> PageSize.PAGE_SHIFT);
            this.p2pPhys = new long[pages];
            for (int i = 0; i < pages; i++) {
                p2pPhys[i] = process.addressSpace().pageAt(p2p + ((long) i << PageSize.PAGE_SHIFT)).orElseThrow().physAddress();
            }
            this.zeros = new byte[PageSize.PAGE_SIZE];
            this.got = new byte[io];
        }

        @Override
        void one(long k) {
            long pos = (slotBase + k % slots) * io;
            boolean write = w.kind() == SimScenario.Kind.WRITE;
            int src = 0;
            for (int i = 0, done = 0; done < io; i++) {
                int n = Math.min(PageSize.PAGE_SIZE, io - done);
                if (write) {
                    if (i == 0) {
                        src = patternOffset();
                    }
                    m.memory().write(p2pPhys[i], pattern, src + done, n);
                } else {
                    m.memory().write(p2pPhys[i], zeros, 0, n);
                }
                done += n;
            }
            StagedFallback.Outcome o = caller.transfer(write, w.nvme(), pos, p2p, staging, io);
            if (o.path() == StagedFallback.Path.STAGED_THROUGH_HOST_MEMORY) {
                nFallbacks++;
            }
            boolean faulted = faulted(o.firstTry()) || o.staged().map(NvmeJob::faulted).orElse(false);
            if (faulted) {
                nFaults++;
            }
            if (o.path() == StagedFallback.Path.FAILED || o.bytesMoved() != io) {
                failed(o.error().orElse("moved " + o.bytesMoved() + " of " + io + " bytes"));
                return;
            }
            kinds(o.path() == StagedFallback.Path.PEER_TO_PEER ? o.firstTry() : o.staged().orElseThrow());
            nBytes += io;
            nVerified++;
            boolean same;
            if (write) {
                byte[] disk = ns.read(pos / ns.blockBytes(), io / ns.blockBytes());
                same = Arrays.equals(disk, 0, io, pattern, src, src + io);
            } else {
                for (int i = 0, done = 0; done < io; i++) {
                    int n = Math.min(PageSize.PAGE_SIZE, io - done);
                    m.memory().read(p2pPhys[i], got, done, n);
                    done += n;
                }
                same = Arrays.equals(got, 0, io, content, (int) pos, (int) pos + io);
            }
            if (!same) {
                nMismatches++;
            }
        }

        private void kinds(ODirectCall call) {
            for (ODirectCall.NvmeRequestRecord r : call.requests()) {
                r.dma().ifPresent(d -> d.segments().forEach(seg -> c.kind(seg.kind().label())));
            }
        }

        /** A request that was mapped but whose device DMA did not complete. */
        private static boolean faulted(ODirectCall call) {
            if (!(call.result() instanceof ODirectResult.Failed)) {
                return false;
            }
            return call.requests().stream().anyMatch(r -> r.dma().isPresent() && r.status() != BlkStatus.OK);
        }
    }

    /** A job of a copy: the source's DMA engine writes into the destination's BAR. */
    private static final class CopyJob extends Job {
        /** The machine. */
        private final RunningMachine m;
        /** The source, whose DMA engine moves the data. */
        private final DmaDevice fromDev;
        /** The destination's DMA device (for the staged path). */
        private final DmaDevice toDev;
        /** The source's topology index. */
        private final int fromIndex;
        /** The destination's topology index. */
        private final int toIndex;
        /** The source buffer in the source's BAR. */
        private final P2pMemBlock src;
        /** The destination buffer in the destination's BAR. */
        private final P2pMemBlock dst;
        /** The destination buffer's physical address. */
        private final long dstPhys;
        /** The source buffer's physical address. */
        private final long srcPhys;
        /** The staging pages in RAM. */
        private final Page[] stagingPages;
        /** The sg table describing the destination, mapped for the source per I/O. */
        private final SgTable table;
        /** Zeros, to poison the destination. */
        private final byte[] zeros;
        /** The destination's bytes after an I/O. */
        private final byte[] got;
        /** The bytes of this I/O. */
        private final byte[] data;
        /** The allocator the blocks came from. */
        private final dev.p2pdma.p2pdma.P2pMemAllocator allocator;

        CopyJob(SimScenario s, SimScenario.Workload w, RunningMachine m, ODirectProcess process, PciAddress from, PciAddress to, long staging,
                byte[] pattern, long seed, long ios, Counters c) throws ImportException {
            super(w, ios, c, pattern, seed);
            this.m = m;
            this.fromDev = m.device(from);
            this.toDev = m.device(to);
            this.fromIndex = m.topology().indexOf(from);
            this.toIndex = m.topology().indexOf(to);
            this.allocator = m.providers().allocator();
            String at = " (" + s.file() + " line " + w.line() + ")";
            this.src = allocator.allocP2pmem(from, io).orElseThrow(() -> new ImportException("workload " + w.name()
                    + ": pci_alloc_p2pmem(" + from + ", " + io + ") failed: its p2pmem pool is exhausted (jobs x io_size too large)" + at));
            this.dst = allocator.allocP2pmem(to, io).orElseThrow(() -> new ImportException("workload " + w.name()
                    + ": pci_alloc_p2pmem(" + to + ", " + io + ") failed: its p2pmem pool is exhausted (jobs x io_size too large)" + at));
            this.srcPhys = DirectMap.phys(src.virt());
            this.dstPhys = DirectMap.phys(dst.virt());
            int pages = (int) (PageSize.alignUp(io) >> PageSize.PAGE_SHIFT);
            this.stagingPages = new Page[pages];
            for (int i = 0; i < pages; i++) {
                stagingPages[i] = process.addressSpace().pageAt(staging + ((long) i << PageSize.PAGE_SHIFT)).orElseThrow();
            }
            this.table = new SgTable();
            if (table.alloc(1).isPresent()) {
                throw new IllegalStateException("cannot allocate a one-entry sg table");
            }
            table.first().orElseThrow().setPage(m.memory().memMap().pageOrThrow(PageSize.pfn(dstPhys)), io, (int) (dstPhys & PageSize.PAGE_MASK));
            this.zeros = new byte[io];
            this.got = new byte[io];
            this.data = new byte[io];
        }

        @Override
        void one(long k) {
            int at = patternOffset();
            m.memory().write(srcPhys, pattern, at, io);
            m.memory().write(dstPhys, zeros, 0, io);
            m.memory().read(srcPhys, data, 0, io);
            Optional<String> error;
            if (w.dmaMap()) {
                DmaMapResult r = m.mapping().mapSgtable(fromDev, table, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
                if (!r.isOk()) {
                    if (r.error().orElseThrow() != Errno.EREMOTEIO) {
                        failed("dma_map_sgtable() of " + w.to() + "'s BAR for " + fromDev.name() + " returned -" + r.error().orElseThrow());
                        return;
                    }
                    error = staged();
                    if (error.isEmpty()) {
                        nFallbacks++;
                        c.kind(m.dmaSetup().iommu().translates() ? "iova" : "phys");
                    }
                } else {
                    error = Optional.empty();
                    int off = 0;
                    for (SgEntry e : SgWalk.of(table.first().orElseThrow(), r.nents())) {
                        int n = (int) e.dmaLengthBytes();
                        error = written(m.fabric().write(fromIndex, e.dmaAddress(), data, off, n));
                        c.kind(m.mapping().sgDma().mark().isMarked(e) ? "bus" : m.dmaSetup().iommu().translates() ? "iova" : "phys");
                        off += n;
                        if (error.isPresent()) {
                            break;
                        }
                    }
                    m.mapping().unmapSgtable(fromDev, table, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
                }
            } else {
                long bus = dstPhys + m.memory().regionOf(dstPhys, io).map(reg -> reg.busOffset()).orElse(0L);
                error = written(m.fabric().write(fromIndex, bus, data, 0, io));
                c.kind("unmapped");
            }
            if (error.isPresent()) {
                failed(error.get());
                return;
            }
            nBytes += io;
            nVerified++;
            m.memory().read(dstPhys, got, 0, io);
            if (!Arrays.equals(got, data)) {
                nMismatches++;
            }
        }

        /** Empty when the write completed; counts a fault. */
        private Optional<String> written(FabricTransfer t) {
            if (t instanceof FabricTransfer.Failed f) {
                nFaults++;
                return Optional.of(f.error() instanceof FabricError.IommuFaulted iommu ? iommu.fault().toString()
                        : fromDev.name() + "'s write: " + f.error().describe());
            }
            return Optional.empty();
        }

        /**
         * The bounce: the source's DMA writes each page into RAM, then the destination's DMA reads it
         * into its own BAR, each page mapped for the device doing it (dma_map_page).
         */
        private Optional<String> staged() {
            for (int i = 0, done = 0; done < io; i++) {
                int n = Math.min(PageSize.PAGE_SIZE, io - done);
                Page ram = stagingPages[i];
                DmaPageMapping out = m.mapping().mapPage(fromDev, ram, 0, n, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
                if (out.isError()) {
                    return Optional.of("dma_map_page() of the staging buffer for " + fromDev.name() + " failed");
                }
                FabricTransfer w1 = m.fabric().write(fromIndex, out.dmaAddress(), data, done, n);
                m.mapping().unmapPage(fromDev, out.dmaAddress(), n, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
                Optional<String> e = written(w1);
                if (e.isPresent()) {
                    return e;
                }
                DmaPageMapping in = m.mapping().mapPage(toDev, ram, 0, n, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
                if (in.isError()) {
                    return Optional.of("dma_map_page() of the staging buffer for " + toDev.name() + " failed");
                }
                FabricTransfer r = m.fabric().read(toIndex, in.dmaAddress(), n);
                m.mapping().unmapPage(toDev, in.dmaAddress(), n, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
                if (!(r instanceof FabricTransfer.Completed done2)) {
                    nFaults++;
                    return Optional.of(toDev.name() + "'s read of the staging buffer: " + ((FabricTransfer.Failed) r).error().describe());
                }
                m.memory().write(dstPhys + done, done2.data(), 0, n);
                done += n;
            }
            return Optional.empty();
        }

        @Override
        void release() {
            table.free();
            allocator.freeP2pmem(src);
            allocator.freeP2pmem(dst);
        }
    }
}
