package dev.p2pdma.p2pdma;

import dev.p2pdma.mm.Page;
import java.util.List;

/**
 * The scatterlist pci_p2pmem_alloc_sgl() builds (spec 1.4): one entry (page, offset in page,
 * length) over one pci_alloc_p2pmem() block, {@code nents = 1}. A stand-in until the
 * {@code dev.p2pdma.sg} scatterlist model is connected: same fields, no chaining or DMA fields.
 *
 * <p>Immutable; thread-safe.
 *
 * @param entries the entries, in order (always one from pci_p2pmem_alloc_sgl())
 */
public record P2pSgl(List<Entry> entries) {

    /** Copies the entries. */
    public P2pSgl {
        entries = List.copyOf(entries);
    }

    /**
     * One entry, as sg_set_buf() fills it.
     *
     * @param page        the first page of the buffer (virt_to_page())
     * @param offsetBytes offset of the buffer in that page
     * @param lengthBytes length of the buffer
     */
    public record Entry(Page page, int offsetBytes, long lengthBytes) {
        /** Models sg_virt(): the kernel virtual address of the buffer. */
        public long virt() {
            return DirectMap.virt(page.physAddress()) + offsetBytes;
        }

        /** Models sg_phys(): the CPU physical address of the buffer. */
        public long phys() {
            return page.physAddress() + offsetBytes;
        }
    }

    /** The number of entries the kernel returns in {@code *nents}. */
    public int nents() {
        return entries.size();
    }
}
