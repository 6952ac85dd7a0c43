package dev.p2pdma.pci;

/**
 * What a function is in the PCI Express hierarchy: the Device/Port Type field of its PCI Express
 * capability (PCIe base spec 7.5.3.2), or the two cases without one.
 */
public enum PortType {
    /** PCIe endpoint (type 0). */
    ENDPOINT(0, "endpoint"),
    /** Legacy PCIe endpoint (type 1). */
    LEGACY_ENDPOINT(1, "legacy endpoint"),
    /** Root port of a root complex (type 4). */
    ROOT_PORT(4, "root port"),
    /** Upstream port of a switch (type 5). */
    UPSTREAM_PORT(5, "switch upstream port"),
    /** Downstream port of a switch (type 6). */
    DOWNSTREAM_PORT(6, "switch downstream port"),
    /** PCIe-to-PCI/PCI-X bridge (type 7). */
    PCIE_TO_PCI_BRIDGE(7, "PCIe-to-PCI bridge"),
    /** PCI/PCI-X-to-PCIe bridge (type 8). */
    PCI_TO_PCIE_BRIDGE(8, "PCI-to-PCIe bridge"),
    /** Root-complex integrated endpoint (type 9). */
    RC_INTEGRATED_ENDPOINT(9, "root-complex integrated endpoint"),
    /** Root-complex event collector (type 10). */
    RC_EVENT_COLLECTOR(10, "root-complex event collector"),
    /** A conventional PCI function: no PCI Express capability. */
    CONVENTIONAL_PCI(-1, "conventional PCI"),
    /** Not known: config space not readable far enough, or a reserved type value. */
    UNKNOWN(-2, "unknown");

    /** The 4-bit Device/Port Type value, negative for the two non-PCIe cases. */
    private final int code;
    /** A short human label. */
    private final String label;

    PortType(int code, String label) {
        this.code = code;
        this.label = label;
    }

    /** The Device/Port Type value, or a negative number for {@link #CONVENTIONAL_PCI} and {@link #UNKNOWN}. */
    public int code() {
        return code;
    }

    /** A short human label, e.g. "switch downstream port". */
    public String label() {
        return label;
    }

    /** Maps a Device/Port Type field value; reserved values give {@link #UNKNOWN}. */
    public static PortType ofCode(int code) {
        for (PortType t : values()) {
            if (t.code == code && code >= 0) {
                return t;
            }
        }
        return UNKNOWN;
    }

    /** True for ports that own a secondary bus below them in a PCIe hierarchy. */
    public boolean isPciePort() {
        return this == ROOT_PORT || this == UPSTREAM_PORT || this == DOWNSTREAM_PORT;
    }
}
