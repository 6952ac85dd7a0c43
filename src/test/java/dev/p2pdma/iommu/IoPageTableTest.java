package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import org.junit.jupiter.api.Test;

/** The x86 four-level IO page table (issue 4 part 2): leaf sizes, permissions, unmap, translation. */
class IoPageTableTest {

    private final IoPageTable pt = new IoPageTable();

    @Test
    void alignedRunsGetTheLargestLeafTheAlignmentAllows_issue4part2() {
        assertThat(pt.map(1L << 30, 3L << 30, (1L << 30) + (2L << 20) + 4096, IommuProt.READ_WRITE)).isEmpty();
        assertThat(pt.leafCount(IoPageTable.SIZE_1G)).isEqualTo(1);
        assertThat(pt.leafCount(IoPageTable.SIZE_2M)).isEqualTo(1);
        assertThat(pt.leafCount(IoPageTable.SIZE_4K)).isEqualTo(1);
        assertThat(pt.mappedBytes()).isEqualTo((1L << 30) + (2L << 20) + 4096);
        assertThat(pt.iovaToPhys((1L << 30) + 0x1234_5678L)).hasValue((3L << 30) + 0x1234_5678L);
        assertThat(pt.iovaToPhys((2L << 30) + (2L << 20) + 5)).hasValue((4L << 30) + (2L << 20) + 5);
    }

    @Test
    void misalignedPhysicalAddressForcesSmallLeaves_issue4part2() {
        assertThat(pt.map(2L << 20, (2L << 20) + 4096, 2L << 20, IommuProt.READ_ONLY)).isEmpty();
        assertThat(pt.leafCount(IoPageTable.SIZE_2M)).isZero();
        assertThat(pt.leafCount(IoPageTable.SIZE_4K)).isEqualTo(512);
    }

    @Test
    void unalignedArgumentsAndNoPermissionAreEinval_issue4part2() {
        assertThat(pt.map(0x1001, 0x2000, 4096, IommuProt.READ_WRITE)).contains(Errno.EINVAL);
        assertThat(pt.map(0x1000, 0x2000, 100, IommuProt.READ_WRITE)).contains(Errno.EINVAL);
        assertThat(pt.map(0x1000, 0x2000, 4096, new IommuProt(IommuProt.CACHE))).contains(Errno.EINVAL);
        assertThat(pt.map(IoPageTable.APERTURE_END + 1, 0x2000, 4096, IommuProt.READ_WRITE)).contains(Errno.EFAULT);
        assertThat(pt.isEmpty()).isTrue();
    }

    @Test
    void mappingOverAMappedPageIsEbusyAndUndoesThePartMapped_issue4part2() {
        assertThat(pt.map(0x3000, 0x9000, 4096, IommuProt.READ_WRITE)).isEmpty();
        assertThat(pt.map(0x1000, 0x5000, 3 * 4096, IommuProt.READ_WRITE)).contains(Errno.EBUSY);
        assertThat(pt.mappedBytes()).isEqualTo(4096);
        assertThat(pt.iovaToPhys(0x1000)).isEmpty();
        assertThat(pt.iovaToPhys(0x3000)).hasValue(0x9000);
    }

    @Test
    void unmapStopsAtTheFirstHoleAndRemovesALargeLeafWhole_issue4part2() {
        pt.map(0, 0x10_0000, 3 * 4096, IommuProt.READ_WRITE);
        pt.map(0x10_000, 0x20_0000, 4096, IommuProt.READ_WRITE);
        assertThat(pt.unmap(0, 0x20_000)).isEqualTo(3 * 4096);
        assertThat(pt.iovaToPhys(0x10_000)).isPresent();
        pt.map(4L << 20, 8L << 20, 2L << 20, IommuProt.READ_WRITE);
        assertThat(pt.unmap(4L << 20, 4096)).isEqualTo(2L << 20);
        assertThat(pt.unmap(0x10_000, 4096)).isEqualTo(4096);
        assertThat(pt.isEmpty()).isTrue();
        assertThat(pt.tableCount()).as("level 3, level 2 and the 4 KiB table of [0, 2 MiB): partly unmapped spans keep their tables").isEqualTo(3);
    }

    @Test
    void anUnmapCoveringATablesWholeSpanFreesIt_issue4part2() {
        pt.map(2L << 20, (8L << 20) + 4096, 2L << 20, IommuProt.READ_WRITE);
        assertThat(pt.tableCount()).isEqualTo(3);
        assertThat(pt.unmap(2L << 20, 2L << 20)).isEqualTo(2L << 20);
        assertThat(pt.tableCount()).isEqualTo(2);
    }

    @Test
    void aLargeLeafReplacesAnEmptyLeftoverTable_issue4part2() {
        pt.map(2L << 20, (8L << 20) + 4096, 4096, IommuProt.READ_WRITE);
        pt.unmap(2L << 20, 4096);
        assertThat(pt.tableCount()).isEqualTo(3);
        assertThat(pt.map(2L << 20, 8L << 20, 2L << 20, IommuProt.READ_WRITE)).isEmpty();
        assertThat(pt.leafCount(IoPageTable.SIZE_2M)).isEqualTo(1);
        assertThat(pt.tableCount()).isEqualTo(2);
    }

    @Test
    void leavesKeepTheirPermissions_issue4part2() {
        pt.map(0x1000, 0x8000, 4096, IommuProt.READ_ONLY);
        pt.map(0x2000, 0x9000, 4096, IommuProt.WRITE_ONLY.with(IommuProt.CACHE));
        assertThat(pt.lookup(0x1800).orElseThrow().prot()).isEqualTo(IommuProt.READ_ONLY);
        IommuProt p = pt.lookup(0x2000).orElseThrow().prot();
        assertThat(p.canWrite()).isTrue();
        assertThat(p.canRead()).isFalse();
        assertThat(p.bits() & IommuProt.CACHE).isNotZero();
    }
}
