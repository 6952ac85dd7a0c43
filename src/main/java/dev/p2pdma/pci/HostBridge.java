package dev.p2pdma.pci;

/**
 * A PCI host bridge: one per root bus (sysfs {@code pci<domain>:<bus>}).
 *
 * @param domain  PCI segment, unsigned 32-bit
 * @param rootBus the number of the bus directly below it
 */
public record HostBridge(int domain, int rootBus) implements Comparable<HostBridge> {

    public HostBridge {
        if (rootBus < 0 || rootBus > 0xff) {
            throw new IllegalArgumentException("root bus out of range 0..ff: " + rootBus);
        }
    }

    /** The sysfs name, {@code pci0000:00}. */
    public String name() {
        return PciAddress.hostBridgeName(domain, rootBus);
    }

    @Override
    public int compareTo(HostBridge o) {
        int c = Long.compare(Integer.toUnsignedLong(domain), Integer.toUnsignedLong(o.domain));
        return c != 0 ? c : Integer.compare(rootBus, o.rootBus);
    }

    @Override
    public String toString() {
        return name();
    }
}
