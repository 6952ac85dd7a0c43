package dev.p2pdma.nvme;

import dev.p2pdma.block.BlkStatus;
import dev.p2pdma.mm.PhysicalMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

/**
 * Builds and frees the PRP and SGL descriptors of nvme-pci 6.12 for real in descriptor memory
 * (spec 6.6, 6.7, 6.9): list entries are little-endian and written into the pools' blocks in
 * {@link PhysicalMemory}, where a device model can read them back. Stateless; thread-safe as far
 * as the pools are (concurrent requests use disjoint blocks).
 */
public final class NvmeDescriptors {

    /** NVME_CTRL_PAGE_SIZE. */
    static final long PAGE = NvmeMapPolicy.CTRL_PAGE;
    /** PRP entries per page-pool block. */
    public static final int PRPS_PER_PAGE = 512;
    /** PRP entries a small-pool block holds. */
    public static final int PRPS_PER_SMALL = 32;
    /** SGL descriptors a small-pool block holds. */
    public static final int SGLS_PER_SMALL = 16;
    /** SGL descriptors a page-pool block holds. */
    public static final int SGLS_PER_PAGE = 256;

    private NvmeDescriptors() {
    }

    /**
     * What building descriptors gave.
     *
     * @param status  OK, RESOURCE (pool exhausted) or IOERR (invalid PRP layout)
     * @param command the command's data pointer and flags, present exactly when the status is OK
     * @param iod     what to free later (nvme_unmap_data); on IOERR the lists built so far stay
     *                allocated, as the spec's pseudo code frees nothing on that branch
     * @param warning the kernel's WARN text, present on IOERR
     */
    public record Result(BlkStatus status, Optional<NvmeCommand> command, NvmeIod iod, Optional<String> warning) {
        /** Checks that a command comes exactly with OK. */
        public Result {
            if (command.isPresent() != (status == BlkStatus.OK)) {
                throw new IllegalArgumentException("a command comes exactly with OK: " + status);
            }
        }

        static Result ok(NvmeCommand c, NvmeIod iod) {
            return new Result(BlkStatus.OK, Optional.of(c), iod, Optional.empty());
        }

        static Result resource() {
            return new Result(BlkStatus.RESOURCE, Optional.empty(), NvmeIod.NONE, Optional.empty());
        }
    }

    /**
     * Models nvme_setup_prp_simple() (spec 6.7) once dma_map_bvec() gave {@code firstDma}: prp1 is
     * the mapping, prp2 the second controller page when the bvec spills into it, else 0.
     */
    public static NvmeCommand prpSimple(long firstDma, NvmeRequest.Bvec bv) {
        long firstLen = PAGE - (bv.offset() & (PAGE - 1));
        return NvmeCommand.prp(firstDma, bv.len() > firstLen ? firstDma + firstLen : 0);
    }

    /** Models nvme_setup_sgl_simple() (spec 6.7) once dma_map_bvec() gave {@code firstDma}: one inline data descriptor. */
    public static NvmeCommand sglSimple(long firstDma, NvmeRequest.Bvec bv) {
        return NvmeCommand.sgl(SglDescriptor.data(new DmaSegment(firstDma, bv.len())));
    }

    /**
     * Models nvme_pci_setup_prps() exactly as the pseudo code of spec 6.9: prp1 and prp2, a PRP list
     * from the small pool (at most 32 entries) or the page pool, page-pool lists chained through
     * their last entry (511 data entries + 1 pointer per full page), the IOERR branch for an entry
     * that ends off a controller page while payload remains, and RESOURCE when a pool is exhausted
     * (everything allocated freed again).
     *
     * @param entries      the request's DMA entries in order
     * @param payloadBytes blk_rq_payload_bytes(req); must equal the entries' total
     */
    public static Result setupPrps(List<DmaSegment> entries, long payloadBytes, NvmePrpPools pools) {
        checkEntries(entries, payloadBytes);
        PhysicalMemory mem = pools.page().pages().memory();
        int idx = 0;
        long a = entries.get(0).addr();
        long l = entries.get(0).len();
        long length = payloadBytes;
        long prp1 = a;
        long off = a & (PAGE - 1);
        length -= PAGE - off;
        if (length <= 0) {
            return Result.ok(NvmeCommand.prp(prp1, 0), NvmeIod.NONE);
        }
        l -= PAGE - off;
        if (l != 0) {
            a += PAGE - off;
        } else {
            idx++;
            a = entries.get(idx).addr();
            l = entries.get(idx).len();
        }
        if (length <= PAGE) {
            return Result.ok(NvmeCommand.prp(prp1, a), NvmeIod.NONE);
        }
        long nprps = (length + PAGE - 1) / PAGE;
        boolean small = nprps <= PRPS_PER_SMALL;
        NvmeDmaPool pool = small ? pools.small() : pools.page();
        Optional<NvmeDmaPool.Block> first = pool.alloc();
        if (first.isEmpty()) {
            return Result.resource();
        }
        int nrAllocations = small ? 0 : 1;
        NvmeDmaPool.Block list = first.get();
        long firstDma = list.dma();
        int i = 0;
        while (true) {
            if (i == PRPS_PER_PAGE) {
                Optional<NvmeDmaPool.Block> next = pool.alloc();
                if (next.isEmpty()) {
                    freeDescriptors(new NvmeIod(nrAllocations, firstDma), pools);
                    return Result.resource();
                }
                long moved = readLe64(mem, list.phys() + (PRPS_PER_PAGE - 1) * 8L);
                writeLe64(mem, next.get().phys(), moved);
                writeLe64(mem, list.phys() + (PRPS_PER_PAGE - 1) * 8L, next.get().dma());
                list = next.get();
                i = 1;
                nrAllocations++;
            }
            writeLe64(mem, list.phys() + i * 8L, a);
            i++;
            l -= PAGE;
            a += PAGE;
            length -= PAGE;
            if (length <= 0) {
                break;
            }
            if (l > 0) {
                continue;
            }
            if (l < 0) {
                String warn = String.format("Invalid SGL for payload:%d nents:%d", payloadBytes, entries.size());
                return new Result(BlkStatus.IOERR, Optional.empty(), new NvmeIod(nrAllocations, firstDma), Optional.of(warn));
            }
            idx++;
            a = entries.get(idx).addr();
            l = entries.get(idx).len();
        }
        return Result.ok(NvmeCommand.prp(prp1, firstDma), new NvmeIod(nrAllocations, firstDma));
    }

    /**
     * Models nvme_pci_setup_sgls() (spec 6.9): flags 0x40; one entry inline as a data descriptor;
     * else one small-pool block (at most 16 entries) or one page-pool block holding the data
     * descriptors, and a last-segment descriptor {list DMA, nents x 16, 0x30} in the command.
     *
     * @throws IllegalArgumentException with no entries or more than a page-pool block holds (256)
     */
    public static Result setupSgls(List<DmaSegment> entries, NvmePrpPools pools) {
        if (entries.isEmpty() || entries.size() > SGLS_PER_PAGE) {
            throw new IllegalArgumentException("an SGL list holds 1 to 256 entries: " + entries.size());
        }
        if (entries.size() == 1) {
            return Result.ok(NvmeCommand.sgl(SglDescriptor.data(entries.get(0))), NvmeIod.NONE);
        }
        boolean small = entries.size() <= SGLS_PER_SMALL;
        Optional<NvmeDmaPool.Block> block = (small ? pools.small() : pools.page()).alloc();
        if (block.isEmpty()) {
            return Result.resource();
        }
        byte[] bytes = new byte[entries.size() * SglDescriptor.BYTES];
        for (int k = 0; k < entries.size(); k++) {
            System.arraycopy(SglDescriptor.data(entries.get(k)).toBytes(), 0, bytes, k * SglDescriptor.BYTES, SglDescriptor.BYTES);
        }
        pools.page().pages().memory().write(block.get().phys(), bytes, 0, bytes.length);
        NvmeIod iod = new NvmeIod(small ? 0 : 1, block.get().dma());
        return Result.ok(NvmeCommand.sgl(SglDescriptor.lastSegment(block.get().dma(), entries.size())), iod);
    }

    /**
     * Models the descriptor-freeing part of nvme_unmap_data() (spec 6.7): by nr_allocations, -1
     * nothing, 0 one small-pool block, 1 one page-pool block, n >= 2 n page-pool blocks found by
     * walking the PRP chain through the last entry of each page.
     *
     * @throws IllegalStateException when a block is not in use (a double free or a broken chain)
     */
    public static void freeDescriptors(NvmeIod iod, NvmePrpPools pools) {
        switch (iod.nrAllocations()) {
            case -1 -> {
            }
            case 0 -> pools.small().free(iod.firstDma());
            case 1 -> pools.page().free(iod.firstDma());
            default -> {
                PhysicalMemory mem = pools.page().pages().memory();
                long dma = iod.firstDma();
                for (int k = 0; k < iod.nrAllocations(); k++) {
                    long at = dma;
                    NvmeDmaPool.Block b = pools.page().inUse(at)
                            .orElseThrow(() -> new IllegalStateException(String.format("PRP chain: 0x%x is not a list page in use", at)));
                    long next = readLe64(mem, b.phys() + (PRPS_PER_PAGE - 1) * 8L);
                    pools.page().free(at);
                    dma = next;
                }
            }
        }
    }

    /** Reads one little-endian PRP entry (8 bytes) at {@code phys}. */
    public static long readLe64(PhysicalMemory mem, long phys) {
        return ByteBuffer.wrap(mem.read(phys, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static void writeLe64(PhysicalMemory mem, long phys, long value) {
        byte[] b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
        mem.write(phys, b, 0, 8);
    }

    private static void checkEntries(List<DmaSegment> entries, long payloadBytes) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a mapped request has at least one DMA entry");
        }
        long total = 0;
        for (DmaSegment s : entries) {
            total += s.len();
        }
        if (total != payloadBytes) {
            throw new IllegalArgumentException("DMA entries total " + total + " bytes, payload is " + payloadBytes);
        }
    }
}
