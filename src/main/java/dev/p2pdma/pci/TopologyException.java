package dev.p2pdma.pci;

/**
 * A topology that cannot be built: duplicate addresses, a missing or looping parent, a VF whose
 * PF is absent. The message names the device and what is wrong, in one line.
 */
public final class TopologyException extends RuntimeException {

    /** Serialization version of this exception. */
    private static final long serialVersionUID = 1L;

    public TopologyException(String message) {
        super(message);
    }
}
