package dev.p2pdma.nvme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.machine.RunningMachine;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.PciAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The controller side of an NVMe command (issue 11 part 3): it walks PRPs and SGLs for real in
 * memory, fetching lists and moving data through the fabric; every byte lands where the pointers
 * say and only there; its own CMB is reached directly, and a command mixing CMB and host memory
 * fails with status 0x12 as QEMU's controller does; a DMA the fabric refuses is a data transfer
 * error.
 */
class NvmeControllerTransferTest {

    /** The traced boot without an IOMMU (swiotlb=force does not matter to the device side). */
    private static final Path DIRECT = Path.of("../shared/dma-traces/sw-swiotlb_force-cpu_intel/capture.tar.gz");
    /** The traced boot with a strict IOMMU. */
    private static final Path STRICT = Path.of("../shared/dma-traces/sw-iommu_strict-cpu_intel/capture.tar.gz");
    /** The provider (its CMB at 0xf4000000, 64 MiB). */
    private static final PciAddress PROVIDER = PciAddress.parse("0000:03:00.0");
    /** The client. */
    private static final PciAddress CLIENT = PciAddress.parse("0000:04:00.0");
    /** The CMB's bus and CPU address (q35: equal). */
    private static final long CMB = 0xf400_0000L;
    /** A free RAM area for data. */
    private static final long DATA = 200L << 20;
    /** A free RAM area for PRP lists and SGLs. */
    private static final long LISTS = 300L << 20;

    private static RunningMachine boot(Path capture) throws Exception {
        return RunningMachine.boot(LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, capture, List.of(), Optional.empty(), UnknownAcsPolicy.NO_REDIRECT),
                RunningMachine.DEFAULT_RAM_BYTES);
    }

    private static NvmeControllerTransfer controller(RunningMachine m, PciAddress dev, boolean withCmb) {
        Optional<NvmeControllerTransfer.Cmb> cmb = withCmb ? Optional.of(new NvmeControllerTransfer.Cmb(CMB, CMB, 64L << 20)) : Optional.empty();
        return new NvmeControllerTransfer(m.fabric(), m.topology().indexOf(dev), cmb, m.memory(), true);
    }

    private static NvmeNamespace namespace(int blocks) {
        NvmeNamespace ns = NvmeNamespace.inMemory(512, 16L << 20);
        byte[] content = new byte[blocks * 512];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7 + i / 512);
        }
        ns.write(0, content);
        return ns;
    }

    private static void putPrpList(PhysicalMemory mem, long at, long... entries) {
        ByteBuffer b = ByteBuffer.allocate(entries.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long e : entries) {
            b.putLong(e);
        }
        mem.write(at, b.array(), 0, b.capacity());
    }

    @Test
    void aPrpListIsFetchedByDmaAndEachPieceLandsExactly_issue11part3() throws Exception {
        RunningMachine m = boot(DIRECT);
        NvmeNamespace ns = namespace(16);
        // 8 KiB at page offset 512: prp1 + a list of two entries (spec 6.9's example)
        long p0 = DATA + 512;
        long p1 = DATA + 3 * 4096;
        long p2 = DATA + 7 * 4096;
        putPrpList(m.memory(), LISTS, p1, p2);
        byte[] before = m.memory().read(DATA, 8 * 4096);

        NvmeControllerTransfer.Outcome o = controller(m, CLIENT, false).execute(NvmeControllerTransfer.Opcode.READ, ns, 0, 16,
                new NvmeControllerTransfer.Prp(p0, LISTS));

        assertThat(o.status()).isEqualTo(NvmeStatus.SUCCESS);
        assertThat(o.extents()).extracting(NvmeControllerTransfer.Extent::lengthBytes).containsExactly(3584L, 4096L, 512L);
        byte[] disk = ns.read(0, 16);
        byte[] after = m.memory().read(DATA, 8 * 4096);
        byte[] expected = before.clone();
        System.arraycopy(disk, 0, expected, 512, 3584);
        System.arraycopy(disk, 3584, expected, 3 * 4096, 4096);
        System.arraycopy(disk, 3584 + 4096, expected, 7 * 4096, 512);
        assertThat(after).as("every byte where the pointers say, and nothing else").isEqualTo(expected);
    }

    @Test
    void theLastEntryOfAFullListPageChainsToTheNext_issue11part3() throws Exception {
        RunningMachine m = boot(DIRECT);
        int pages = 514;
        NvmeNamespace ns = namespace(pages * 8);
        long[] first = new long[512];
        for (int i = 0; i < 511; i++) {
            first[i] = DATA + (long) (i + 1) * 4096;
        }
        first[511] = LISTS + 4096;
        putPrpList(m.memory(), LISTS, first);
        putPrpList(m.memory(), LISTS + 4096, DATA + 512L * 4096, DATA + 513L * 4096);

        NvmeControllerTransfer.Outcome o = controller(m, CLIENT, false).execute(NvmeControllerTransfer.Opcode.READ, ns, 0, pages * 8,
                new NvmeControllerTransfer.Prp(DATA, LISTS));

        assertThat(o.status()).isEqualTo(NvmeStatus.SUCCESS);
        assertThat(o.extents()).hasSize(pages);
        assertThat(m.memory().read(DATA, pages * 4096)).isEqualTo(ns.read(0, pages * 8));
    }

    @Test
    void aListPageWhoseLastSlotIsNeededForDataDoesNotChain_issue11part3() throws Exception {
        RunningMachine m = boot(DIRECT);
        int pages = 513;
        NvmeNamespace ns = namespace(pages * 8);
        long[] list = new long[512];
        for (int i = 0; i < 512; i++) {
            list[i] = DATA + (long) (i + 1) * 4096;
        }
        putPrpList(m.memory(), LISTS, list);

        NvmeControllerTransfer.Outcome o = controller(m, CLIENT, false).execute(NvmeControllerTransfer.Opcode.READ, ns, 0, pages * 8,
                new NvmeControllerTransfer.Prp(DATA, LISTS));

        assertThat(o.status()).isEqualTo(NvmeStatus.SUCCESS);
        assertThat(m.memory().read(DATA, pages * 4096)).isEqualTo(ns.read(0, pages * 8));
    }

    @Test
    void anSglLastSegmentListNamesTheDataBlocks_issue11part3() throws Exception {
        RunningMachine m = boot(DIRECT);
        NvmeNamespace ns = NvmeNamespace.inMemory(512, 1L << 20);
        byte[] src = new byte[12288];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) (i ^ 0x5a);
        }
        m.memory().write(DATA, src, 0, 4096);
        m.memory().write(DATA + 65536, src, 4096, 8192);
        ByteBuffer sgl = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        sgl.putLong(DATA).putInt(4096).put(new byte[3]).put((byte) NvmeControllerTransfer.SGL_DATA_BLOCK);
        sgl.putLong(DATA + 65536).putInt(8192).put(new byte[3]).put((byte) NvmeControllerTransfer.SGL_DATA_BLOCK);
        m.memory().write(LISTS, sgl.array(), 0, 32);

        NvmeControllerTransfer.Outcome o = controller(m, CLIENT, false).execute(NvmeControllerTransfer.Opcode.WRITE, ns, 8, 24,
                new NvmeControllerTransfer.Sgl(LISTS, 32, NvmeControllerTransfer.SGL_LAST_SEGMENT));

        assertThat(o.status()).isEqualTo(NvmeStatus.SUCCESS);
        assertThat(ns.read(8, 24)).isEqualTo(src);
        assertThat(ns.read(0, 8)).isEqualTo(new byte[4096]);
    }

    @Test
    void theControllerReachesItsOwnCmbDirectlyAndRefusesMixedPointers_issue11part3() throws Exception {
        RunningMachine m = boot(DIRECT);
        NvmeNamespace ns = namespace(16);
        long inCmb = CMB + (1L << 20);

        NvmeControllerTransfer.Outcome own = controller(m, PROVIDER, true).execute(NvmeControllerTransfer.Opcode.READ, ns, 0, 8,
                new NvmeControllerTransfer.Prp(inCmb, 0));
        assertThat(own.status()).isEqualTo(NvmeStatus.SUCCESS);
        assertThat(own.transfers()).as("no DMA through the fabric for its own CMB").isEmpty();
        assertThat(m.memory().read(inCmb, 4096)).isEqualTo(ns.read(0, 8));

        byte[] ramBefore = m.memory().read(DATA, 4096);
        NvmeControllerTransfer.Outcome mixed = controller(m, PROVIDER, true).execute(NvmeControllerTransfer.Opcode.READ, ns, 8, 16,
                new NvmeControllerTransfer.Prp(inCmb + 8192, DATA));
        assertThat(mixed.status()).isEqualTo(NvmeStatus.CMB_INVALID_USE);
        assertThat(mixed.status().blkStatus().errno()).hasValueSatisfying(e -> assertThat(e.name()).isEqualTo("EIO"));
        assertThat(m.memory().read(DATA, 4096)).isEqualTo(ramBefore);
    }

    @Test
    void aDmaTheIommuRefusesIsADataTransferError_issue11part3() throws Exception {
        RunningMachine m = boot(STRICT);
        NvmeNamespace ns = namespace(8);
        byte[] before = m.memory().read(DATA, 4096);

        NvmeControllerTransfer.Outcome o = controller(m, CLIENT, false).execute(NvmeControllerTransfer.Opcode.READ, ns, 0, 8,
                new NvmeControllerTransfer.Prp(DATA, 0));

        assertThat(o.status()).isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
        assertThat(o.transfers()).singleElement().satisfies(t -> assertThat(t.completed()).isFalse());
        assertThat(m.memory().read(DATA, 4096)).isEqualTo(before);
        assertThat(m.domainOf(CLIENT).orElseThrow().faults()).isNotEmpty();
    }

    @Test
    void blocksPastTheNamespaceAreAnLbaRangeError_issue11part3() throws Exception {
        RunningMachine m = boot(DIRECT);
        NvmeNamespace ns = NvmeNamespace.inMemory(512, 1L << 20);
        NvmeControllerTransfer.Outcome o = controller(m, CLIENT, false).execute(NvmeControllerTransfer.Opcode.READ, ns, 2040, 16,
                new NvmeControllerTransfer.Prp(DATA, DATA + 4096));
        assertThat(o.status()).isEqualTo(NvmeStatus.LBA_RANGE);
        assertThat(o.status().blkStatus().errno()).hasValueSatisfying(e -> assertThat(e.name()).isEqualTo("EREMOTEIO"));
    }
}
