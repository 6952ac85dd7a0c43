package dev.p2pdma.iommu;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaTranslation;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import org.junit.jupiter.api.Test;

/** The IOMMU stops a device from reaching memory it was never given (issue 4 part 2): every miss or permission violation is a fault and no byte moves. */
class IommuFaultTest {

    private final IommuFixture f = IommuFixture.intel();
    private final IommuDomain domain = f.domain(IommuDomainFlushMode.STRICT);
    private final DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, domain).build();
    private final DeviceDma device = DeviceDma.of(f.topology, f.memory);

    @Test
    void aMissIsRecordedAndNothingIsRead_issue4part2() {
        long secret = SwitchMachine.BUFFERS_PHYS;
        f.memory.write(secret, SgLists.pattern(64, 9), 0, 64);
        assertThat(device.tryRead(dev, secret, 64)).isEmpty();
        assertThat(domain.faults()).singleElement().satisfies(fault -> {
            assertThat(fault.iova()).isEqualTo(secret);
            assertThat(fault.access()).isEqualTo(DmaTranslation.Access.READ);
            assertThat(fault.reason()).isEqualTo(IommuFaultReason.NOT_PRESENT);
            assertThat(fault.device()).isEqualTo(dev.name());
        });
    }

    @Test
    void anAccessRunningPastTheMappingWritesNothingAtAll_issue4part2() {
        SgTable t = table(seg(f.machine.ramPage(0)));
        f.mapping.mapSgtable(dev, t, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
        SgEntry e = entries(t).get(0);
        byte[] before = f.memory.read(SwitchMachine.BUFFERS_PHYS, 4096);
        assertThat(device.tryWrite(dev, e.dmaAddress() + 4000, SgLists.pattern(200, 3))).isFalse();
        assertThat(f.memory.read(SwitchMachine.BUFFERS_PHYS, 4096)).isEqualTo(before);
        assertThat(domain.faults()).singleElement().satisfies(fault -> {
            assertThat(fault.iova()).isEqualTo(e.dmaAddress() + 4096);
            assertThat(fault.reason()).isEqualTo(IommuFaultReason.NOT_PRESENT);
        });
    }

    @Test
    void writingAToDeviceMappingIsAPermissionFault_issue4part2() {
        SgTable t = table(seg(f.machine.ramPage(0)));
        f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        long dma = entries(t).get(0).dmaAddress();
        byte[] before = f.memory.read(SwitchMachine.BUFFERS_PHYS, 16);
        assertThat(device.tryRead(dev, dma, 16)).contains(before);
        assertThat(device.tryWrite(dev, dma, new byte[16])).isFalse();
        assertThat(f.memory.read(SwitchMachine.BUFFERS_PHYS, 16)).isEqualTo(before);
        assertThat(domain.faults()).singleElement().satisfies(fault -> {
            assertThat(fault.access()).isEqualTo(DmaTranslation.Access.WRITE);
            assertThat(fault.reason()).isEqualTo(IommuFaultReason.WRITE_NOT_PERMITTED);
        });
    }

    @Test
    void readingAFromDeviceMappingIsAPermissionFault_issue4part2() {
        SgTable t = table(seg(f.machine.ramPage(0)));
        f.mapping.mapSgtable(dev, t, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
        assertThat(device.tryRead(dev, entries(t).get(0).dmaAddress(), 8)).isEmpty();
        assertThat(domain.faults()).singleElement().extracting(IommuFault::reason).isEqualTo(IommuFaultReason.READ_NOT_PERMITTED);
    }

    @Test
    void afterUnmapTheSameIovaFaultsInStrictMode_issue4part2() {
        SgTable t = table(seg(f.machine.ramPage(0)));
        f.mapping.mapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        long dma = entries(t).get(0).dmaAddress();
        assertThat(device.tryRead(dev, dma, 8)).isPresent();
        f.mapping.unmapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(device.tryRead(dev, dma, 8)).isEmpty();
        assertThat(domain.faults()).hasSize(1);
    }
}
