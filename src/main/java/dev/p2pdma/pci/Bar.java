package dev.p2pdma.pci;

/**
 * One base address register of a function, as the kernel assigned it (sysfs {@code resource}).
 *
 * <p>Invariants: {@code index} is 0..5 for standard BARs (6 for the expansion ROM is not modelled);
 * {@code sizeBytes > 0}; {@code cpuAddress} is the CPU physical start.
 *
 * @param index        BAR number 0..5
 * @param cpuAddress   CPU physical start address
 * @param sizeBytes    length in bytes
 * @param memory       true for a memory BAR, false for an I/O port BAR
 * @param is64Bit      true for a 64-bit memory BAR
 * @param prefetchable true for a prefetchable memory BAR
 */
public record Bar(int index, long cpuAddress, long sizeBytes, boolean memory, boolean is64Bit, boolean prefetchable) {

    public Bar {
        if (index < 0 || index > 5) {
            throw new IllegalArgumentException("BAR index out of range 0..5: " + index);
        }
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("BAR size must be positive: " + sizeBytes);
        }
    }

    /** The last CPU physical address of the BAR. */
    public long cpuEnd() {
        return cpuAddress + sizeBytes - 1;
    }
}
