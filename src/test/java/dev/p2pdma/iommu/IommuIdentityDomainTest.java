package dev.p2pdma.iommu;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.dma.DirectDmaOps;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaTranslation;
import dev.p2pdma.base.Errno;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SwitchMachine;
import org.junit.jupiter.api.Test;

/** An identity (passthrough) domain (issue 4 part 2): DMA address = physical address, through dma-direct. */
class IommuIdentityDomainTest {

    private final IommuFixture f = IommuFixture.intel();
    private final IommuDomain identity = IommuDomain.identity(3);

    @Test
    void devicesOfAnIdentityDomainUseDmaDirectWithPhysicalAddresses_issue4part2() {
        assertThat(IommuDmaOps.forDevice(identity, true)).isSameAs(DirectDmaOps.INSTANCE);
        DmaDevice dev = DmaDevice.forPci(f.topology, SwitchMachine.SWITCH_PEER).dmaMaskAndCoherent(DmaMasks.bitMask(64))
                .ops(IommuDmaOps.forDevice(identity, true)).build();
        SgTable t = table(seg(f.machine.ramPage(0), 16, 100), seg(f.machine.ramPage(5)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(2);
        assertThat(entries(t).get(0).dmaAddress()).isEqualTo(SwitchMachine.BUFFERS_PHYS + 16);
        assertThat(entries(t).get(1).dmaAddress()).isEqualTo(SwitchMachine.BUFFERS_PHYS + 5 * 4096);
        assertThat(DeviceDma.of(f.topology, f.memory).tryRead(dev, SwitchMachine.BUFFERS_PHYS + 8 * 4096, 8)).isPresent();
    }

    @Test
    void anIdentityDomainTranslatesEverythingToItselfAndRefusesMappings_issue4part2() {
        assertThat(identity.iovaToPhys(0x1234_5000L)).hasValue(0x1234_5000L);
        assertThat(identity.map(0x1000, 0x1000, 4096, IommuProt.READ_WRITE)).contains(Errno.EINVAL);
        assertThat(identity.unmap(0x1000, 4096)).isZero();
        DmaDevice dev = DmaDevice.builder("x").build();
        assertThat(identity.translate(dev, 0x5000, 10, DmaTranslation.Access.WRITE))
                .isEqualTo(new DmaTranslation.Mapped(java.util.List.of(new DmaTranslation.Piece(0x5000, 10))));
        assertThat(identity.faults()).isEmpty();
        assertThat(identity.iovaDomain()).isEmpty();
    }
}
