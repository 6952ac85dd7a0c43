package dev.p2pdma.pci;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Config space parsing: headers, capability lists, PCIe port type, ACS, and robustness. */
class ConfigSpaceTest {

    /** A 4096-byte PCIe root port with ACS (cap 0x5f, ctrl as given) at 0x148. */
    static byte[] rootPort(int ctrl) {
        byte[] b = new byte[4096];
        le16(b, 0x00, 0x1b36);
        le16(b, 0x02, 0x000c);
        le16(b, 0x06, 0x0010);
        b[0x0a] = 0x04;
        b[0x0b] = 0x06;
        b[0x0e] = 0x01;
        b[0x18] = 0;
        b[0x19] = 1;
        b[0x1a] = 3;
        b[0x34] = 0x40;
        b[0x40] = 0x10;
        b[0x41] = 0;
        le16(b, 0x42, 0x0042); // version 2, port type 4 = root port
        le32(b, 0x40 + 0x0c, 0x00000343L); // link cap: speed 3 (8 GT/s), width x4... (4 << 4 = 0x40) | 3
        le16(b, 0x40 + 0x12, 0x0011); // link status: speed 1, width x1
        le32(b, 0x100, 0x14810001L); // AER at 0x100, next 0x148
        le32(b, 0x148, 0x0001000dL); // ACS, version 1, next 0
        le16(b, 0x14c, 0x005f);
        le16(b, 0x14e, ctrl);
        return b;
    }

    static void le16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >> 8);
    }

    static void le32(byte[] b, int off, long v) {
        le16(b, off, (int) v);
        le16(b, off + 2, (int) (v >> 16));
    }

    @Test
    void readsTheHeaderPortTypeLinkAndAcsOfAFullConfigSpace() {
        ConfigSpace cs = ConfigSpace.parse(rootPort(0x001d));
        assertThat(cs.vendorId()).isEqualTo(0x1b36);
        assertThat(cs.classCode()).isEqualTo(0x060400);
        assertThat(cs.busRange()).contains(new PciFunction.BusRange(1, 3));
        assertThat(cs.portType()).isEqualTo(PortType.ROOT_PORT);
        assertThat(cs.link().maxSpeedGtps()).isEqualTo(8.0);
        assertThat(cs.link().currentWidth()).isEqualTo(1);
        assertThat(cs.acs()).isEqualTo(new AcsState.Present(0x5f, 0x1d));
        assertThat(cs.problems()).isEmpty();
    }

    @Test
    void aPcieFunctionCapturedWithout256BytesHasUnknownAcsWithTheReason() {
        ConfigSpace cs = ConfigSpace.parse(java.util.Arrays.copyOf(rootPort(0), 256));
        assertThat(cs.portType()).isEqualTo(PortType.ROOT_PORT);
        assertThat(cs.acs()).isInstanceOfSatisfying(AcsState.Unknown.class, u -> assertThat(u.reason()).contains("256 bytes"));
    }

    @Test
    void aSixtyFourByteHeaderGivesIdentityAndUnknownEverythingElse() {
        ConfigSpace cs = ConfigSpace.parse(java.util.Arrays.copyOf(rootPort(0), 64));
        assertThat(cs.deviceId()).isEqualTo(0x000c);
        assertThat(cs.portType()).isEqualTo(PortType.UNKNOWN);
        assertThat(cs.acs()).isInstanceOf(AcsState.Unknown.class);
    }

    @Test
    void aLoopingCapabilityListEndsWithAReason() {
        byte[] b = rootPort(0);
        b[0x41] = 0x40; // points to itself
        ConfigSpace cs = ConfigSpace.parse(b);
        assertThat(cs.problems()).anyMatch(p -> p.contains("loops"));
        assertThat(cs.portType()).isEqualTo(PortType.ROOT_PORT);
    }

    @Test
    void aLoopingExtendedListBeforeAcsGivesUnknownAcs() {
        byte[] b = rootPort(0);
        le32(b, 0x100, 0x10010001L); // next = 0x100: itself
        ConfigSpace cs = ConfigSpace.parse(b);
        assertThat(cs.acs()).isInstanceOfSatisfying(AcsState.Unknown.class, u -> assertThat(u.reason()).contains("loops"));
    }

    @Test
    void aConventionalFunctionHasNoAcs() {
        byte[] b = new byte[256];
        le16(b, 0, 0x8086);
        b[0x0b] = 0x01;
        ConfigSpace cs = ConfigSpace.parse(b);
        assertThat(cs.portType()).isEqualTo(PortType.CONVENTIONAL_PCI);
        assertThat(cs.acs()).isEqualTo(AcsState.ABSENT);
    }

    @Test
    void garbageOfAnyLengthNeverThrows() {
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[r.nextInt(4097)];
            r.nextBytes(b);
            ConfigSpace cs = ConfigSpace.parse(b);
            assertThat(cs.length()).isEqualTo(b.length);
        }
    }
}
