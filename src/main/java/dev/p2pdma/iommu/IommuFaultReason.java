package dev.p2pdma.iommu;

/** Why the IOMMU refused a device access. Immutable; thread-safe. */
public enum IommuFaultReason {
    /** No translation for the IOVA (a page-table miss). */
    NOT_PRESENT("no translation (page not present)"),
    /** The translation does not allow reads. */
    READ_NOT_PERMITTED("read not permitted"),
    /** The translation does not allow writes. */
    WRITE_NOT_PERMITTED("write not permitted");

    /** For people. */
    private final String description;

    IommuFaultReason(String description) {
        this.description = description;
    }

    /** For people. */
    public String description() {
        return description;
    }
}
