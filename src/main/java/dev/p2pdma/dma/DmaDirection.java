package dev.p2pdma.dma;

/**
 * Models enum dma_data_direction (spec 0.2): which way the data of a streaming mapping flows.
 * Immutable; thread-safe.
 */
public enum DmaDirection {
    /** Both ways: the CPU's data goes to the device and the device's data comes back. */
    BIDIRECTIONAL(0),
    /** CPU memory is read by the device. */
    TO_DEVICE(1),
    /** CPU memory is written by the device. */
    FROM_DEVICE(2),
    /** No data transfer; not a valid direction for a mapping. */
    NONE(3);

    /** The kernel's numeric value. */
    private final int value;

    DmaDirection(int value) {
        this.value = value;
    }

    /** The kernel's numeric value. */
    public int value() {
        return value;
    }

    /** Models valid_dma_direction(): BIDIRECTIONAL, TO_DEVICE or FROM_DEVICE. */
    public boolean isValid() {
        return this != NONE;
    }

    /** True when the device writes the memory (FROM_DEVICE or BIDIRECTIONAL): data must come back to the CPU. */
    public boolean deviceWrites() {
        return this == FROM_DEVICE || this == BIDIRECTIONAL;
    }

    /** True when the device reads the memory (TO_DEVICE or BIDIRECTIONAL): CPU data must reach the device. */
    public boolean deviceReads() {
        return this == TO_DEVICE || this == BIDIRECTIONAL;
    }
}
