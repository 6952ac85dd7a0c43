package dev.p2pdma.p2pdma;

import dev.p2pdma.base.KernelLog;
import static dev.p2pdma.p2pdma.ProviderFixtures.a;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import dev.p2pdma.pci.PciAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Spec 1.15: pci_p2pdma_enable_store and pci_p2pdma_enable_show. */
class EnableStoreTest {

    private static final PciAddress NVME = a("0000:03:00.0");

    private static P2pDmaProviders publishedNvme() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        p.finder().publish(NVME, true);
        return p;
    }

    @Test
    void aDeviceWithPublishedMemoryIsSelected_spec1_15_step1() {
        P2pDmaProviders p = publishedNvme();
        KernelLog log = KernelLog.create();
        assertThat(P2pDmaEnable.store("0000:03:00.0", p, log)).isEqualTo(new P2pDmaEnable.UseDevice(NVME));
        assertThat(P2pDmaEnable.store("0000:03:00.0\n", p, log)).as("one trailing newline, as echo writes it").isEqualTo(new P2pDmaEnable.UseDevice(NVME));
        assertThat(log.lines()).isEmpty();
    }

    @Test
    void aDeviceWithoutPublishedMemoryIsRejectedWithItsOwnLogPrefix_spec1_15_step1() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        KernelLog log = KernelLog.create();
        assertThat(P2pDmaEnable.store("0000:04:00.0\n", p, log)).isEqualTo(new P2pDmaEnable.Rejected(Errno.ENODEV));
        assertThat(P2pDmaEnable.store("0000:03:00.0", p, log)).as("registered, not published").isEqualTo(new P2pDmaEnable.Rejected(Errno.ENODEV));
        assertThat(log.lines()).containsExactly("nvme 0000:04:00.0: PCI device has no peer-to-peer memory: 0000:04:00.0",
                "nvme 0000:03:00.0: PCI device has no peer-to-peer memory: 0000:03:00.0");
    }

    @Test
    void aMissingDeviceNameStartingWith0Or1IsNotReadAsABoolean_spec1_15_step2() {
        KernelLog log = KernelLog.create();
        P2pDmaProviders p = publishedNvme();
        assertThat(P2pDmaEnable.store("0000:01:00.1\n", p, log)).isEqualTo(new P2pDmaEnable.Rejected(Errno.ENODEV));
        assertThat(P2pDmaEnable.store("10", p, log)).isEqualTo(new P2pDmaEnable.Rejected(Errno.ENODEV));
        assertThat(log.lines()).containsExactly("pci-p2pdma: No such PCI device: 0000:01:00.1", "pci-p2pdma: No such PCI device: 10");
    }

    @Test
    void booleansInKstrtoboolFormSetTheFlagOnly_spec1_15_step3() {
        P2pDmaProviders p = publishedNvme();
        KernelLog log = KernelLog.create();
        for (String yes : new String[] {"1", "1\n", "y", "Y", "yes", "t", "True", "on", "ON", "oN\n"}) {
            assertThat(P2pDmaEnable.store(yes, p, log)).as(yes).isEqualTo(new P2pDmaEnable.UseFlag(true));
        }
        for (String no : new String[] {"0", "0\n", "n", "No", "f", "false", "off", "OFF"}) {
            assertThat(P2pDmaEnable.store(no, p, log)).as(no).isEqualTo(new P2pDmaEnable.UseFlag(false));
        }
        assertThat(log.lines()).isEmpty();
    }

    @Test
    void anythingElseIsNoSuchDeviceUpToTheFirstNewline_spec1_15_step4() {
        P2pDmaProviders p = publishedNvme();
        KernelLog log = KernelLog.create();
        assertThat(P2pDmaEnable.store("maybe\nmore", p, log)).isEqualTo(new P2pDmaEnable.Rejected(Errno.ENODEV));
        assertThat(P2pDmaEnable.store("", p, log)).isEqualTo(new P2pDmaEnable.Rejected(Errno.ENODEV));
        assertThat(P2pDmaEnable.store("o", p, log)).isEqualTo(new P2pDmaEnable.Rejected(Errno.ENODEV));
        assertThat(P2pDmaEnable.store("03:00.0", p, log)).as("only the full name matches").isEqualTo(new P2pDmaEnable.Rejected(Errno.ENODEV));
        assertThat(log.lines()).containsExactly("pci-p2pdma: No such PCI device: maybe", "pci-p2pdma: No such PCI device: ",
                "pci-p2pdma: No such PCI device: o", "pci-p2pdma: No such PCI device: 03:00.0");
    }

    @Test
    void showPrintsZeroOneOrTheDeviceName_spec1_15() {
        assertThat(P2pDmaEnable.show(false, Optional.of(NVME))).isEqualTo("0\n");
        assertThat(P2pDmaEnable.show(true, Optional.empty())).isEqualTo("1\n");
        assertThat(P2pDmaEnable.show(true, Optional.of(NVME))).isEqualTo("0000:03:00.0\n");
    }
}
