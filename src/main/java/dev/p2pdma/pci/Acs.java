package dev.p2pdma.pci;

import java.util.ArrayList;
import java.util.List;

/**
 * Access Control Services constants: the extended capability id and the bits shared by the ACS
 * Capability and ACS Control registers (PCIe base spec 7.7.8; spec 1.8).
 */
public final class Acs {

    /** ACS extended capability id. */
    public static final int EXT_CAP_ID = 0x0d;
    /** Offset of the 16-bit ACS Capability register inside the capability. */
    public static final int CAP_REGISTER_OFFSET = 0x04;
    /** Offset of the 16-bit ACS Control register inside the capability. */
    public static final int CTRL_REGISTER_OFFSET = 0x06;

    /** Source Validation. */
    public static final int SV = 0x01;
    /** Translation Blocking. */
    public static final int TB = 0x02;
    /** P2P Request Redirect. */
    public static final int RR = 0x04;
    /** P2P Completion Redirect. */
    public static final int CR = 0x08;
    /** Upstream Forwarding. */
    public static final int UF = 0x10;
    /** P2P Egress Control. */
    public static final int EC = 0x20;
    /** Direct Translated P2P. */
    public static final int DT = 0x40;

    /** The bits whose presence makes {@code bridge_has_acs_redir()} true: RR, CR or EC. */
    public static final int REDIRECT_BITS = RR | CR | EC;
    /** The bits the kernel enables by default when an IOMMU asks for ACS: SV, RR, CR, UF. */
    public static final int IOMMU_DEFAULT_BITS = SV | RR | CR | UF;
    /** Every defined control bit, SV..DT. */
    public static final int ALL_BITS = 0x7f;

    /** Short names of the bits, in bit order. */
    private static final String[] NAMES = {"SV", "TB", "RR", "CR", "UF", "EC", "DT"};

    private Acs() {
    }

    /** True when a control value has RR, CR or EC set. */
    public static boolean redirects(int control) {
        return (control & REDIRECT_BITS) != 0;
    }

    /** Names of the set bits, e.g. {@code [SV, RR, CR, UF]}. */
    public static List<String> bitNames(int bits) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            if ((bits & (1 << i)) != 0) {
                out.add(NAMES[i]);
            }
        }
        return out;
    }

    /** {@code 0x001d (SV RR CR UF)}. */
    public static String describe(int bits) {
        List<String> names = bitNames(bits);
        return String.format("0x%04x", bits) + (names.isEmpty() ? "" : " (" + String.join(" ", names) + ")");
    }
}
