package dev.p2pdma.report;

/**
 * What a tree node says about itself. A value: immutable and thread-safe; {@code key} is never empty.
 *
 * @param key    the node's identity: the function's address ({@code 0000:03:00.0}) or the host bridge's name ({@code pci0000:00})
 * @param ids    {@code [vvvv:dddd]}, empty for a host bridge
 * @param name   the vendor and device name (pci.ids, else the input's description), empty when unknown
 * @param detail the port type and facts (driver, IOMMU group, p2pmem), joined with " · "
 */
public record NodeLabel(String key, String ids, String name, String detail) {

    public NodeLabel {
        if (key.isEmpty()) {
            throw new IllegalArgumentException("a node label needs a key");
        }
    }

    /** The one line drawn in the box. */
    public String line() {
        StringBuilder sb = new StringBuilder(key);
        for (String s : new String[] {ids, name, detail}) {
            if (!s.isEmpty()) {
                sb.append("  ").append(s);
            }
        }
        return sb.toString();
    }
}
