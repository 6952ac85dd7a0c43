package dev.p2pdma.block;

import dev.p2pdma.base.Errno;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Models the O_DIRECT path of a read or write on a block device in Linux 6.12 (spec 6.3, 6.4):
 * blkdev_read_iter() / blkdev_write_iter() (end-of-device handling), blkdev_direct_IO() (validation
 * and the choice between one bio and the multi-bio loop), bio_iov_iter_get_pages() and the split of
 * every bio into requests under one plug. DMA mapping is not done here: the caller maps each
 * request ({@link BlkRqMapSg}) and reports the final status of each one to
 * {@link DirectIoSubmission#complete(List)}.
 *
 * <p>Stateless; thread-safe as far as the address space is (the pins are taken in it).
 */
public final class BlockDirectIo {

    private BlockDirectIo() {
    }

    /**
     * Models preadv/pwritev(O_DIRECT) on a block device of {@code deviceBytes} bytes.
     * <ol>
     *   <li>End of device: a read starting at or past it returns 0 and one crossing it is cut there;
     *       a write starting at or past it fails with ENOSPC and one crossing it is cut there (the
     *       write rule is 6.12's blkdev_write_iter(), not stated in the spec). A count of 0 returns 0
     *       first.</li>
     *   <li>{@link DirectIoValidation#blkdevDioInvalid}: EINVAL before anything is pinned.</li>
     *   <li>Pages spanned ≤ {@link Bio#BIO_MAX_VECS}: one bio sized to them; its error is the call's
     *       error when it got no page; a short bio leaves the rest to the buffered fallback.</li>
     *   <li>More: bios of at most 256 bvecs in turn, under a plug; a bio that gets no page makes the
     *       whole call return its error, even though earlier bios were issued.</li>
     *   <li>User pages are pinned with FOLL_WRITE for reads and FOLL_PCI_P2PDMA iff the queue has
     *       the P2PDMA capability ({@link QueueLimits#p2pdma()}).</li>
     * </ol>
     * The pins stay held by the bios until {@link #release}.
     *
     * @param mm          the caller's address space
     * @param limits      the queue's limits and capability
     * @param deviceBytes the device size in bytes
     * @param op          READ or WRITE
     * @param pos         the file position in bytes
     * @param iovecs      the user buffers
     */
    public static DirectIoSubmission submit(UserAddressSpace mm, QueueLimits limits, long deviceBytes, ReqOp op, long pos, List<IoVec> iovecs) {
        IovIter it = new IovIter(iovecs);
        if (it.count() == 0) {
            return new DirectIoSubmission(0, List.of(), List.of(), 0, Optional.empty());
        }
        if (pos >= deviceBytes) {
            return op == ReqOp.READ ? new DirectIoSubmission(0, List.of(), List.of(), 0, Optional.empty())
                    : DirectIoSubmission.failed(0, Errno.ENOSPC);
        }
        it.truncate(deviceBytes - pos);
        long count = it.count();
        if (DirectIoValidation.invalid(pos, it, limits)) {
            return DirectIoSubmission.failed(count, Errno.EINVAL);
        }
        Set<GupFlag> gup = gupFlags(op, limits);
        int nrPages = it.npages(Bio.BIO_MAX_VECS + 1);
        boolean multi = nrPages > Bio.BIO_MAX_VECS;
        BlkPlug plug = new BlkPlug(limits);
        List<Bio> bios = new ArrayList<>();
        long sector = pos / QueueLimits.SECTOR_BYTES;
        long direct = 0;
        while (true) {
            BioPages.Builder b = new BioPages.Builder(Math.min(nrPages, Bio.BIO_MAX_VECS));
            Optional<Errno> e = BioPages.getPages(b, it, mm, limits, gup);
            if (e.isPresent()) {
                return new DirectIoSubmission(count, bios, plug.requests(), direct, e);
            }
            Bio bio = b.build(op, sector);
            bios.add(bio);
            for (Request piece : BioSplit.splitToLimits(bio, limits)) {
                plug.submit(piece);
            }
            direct += bio.bytes();
            sector += bio.bytes() / QueueLimits.SECTOR_BYTES;
            nrPages = it.npages(Bio.BIO_MAX_VECS);
            if (!multi || nrPages == 0) {
                return new DirectIoSubmission(count, bios, plug.requests(), direct, Optional.empty());
            }
        }
    }

    /** The gup flags bio_iov_iter_get_pages() passes: FOLL_WRITE for reads, FOLL_PCI_P2PDMA iff the queue allows P2PDMA. */
    public static Set<GupFlag> gupFlags(ReqOp op, QueueLimits limits) {
        EnumSet<GupFlag> f = EnumSet.noneOf(GupFlag.class);
        if (op == ReqOp.READ) {
            f.add(GupFlag.WRITE);
        }
        if (limits.p2pdma()) {
            f.add(GupFlag.PCI_P2PDMA);
        }
        return f;
    }

    /** Models the bios' completion dropping their page pins (bio_release_pages()). */
    public static void release(UserAddressSpace mm, DirectIoSubmission s) {
        for (Bio b : s.bios()) {
            mm.unpinUserPages(b.pinned());
        }
    }
}
