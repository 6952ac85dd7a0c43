package dev.p2pdma.fabric;

import java.util.Objects;

/**
 * One step of a transaction through the fabric: where it was, what happened there, and the address
 * and length it concerned; {@link #what()} puts it in words (only when asked, so recording hops
 * costs a few fields per step). Immutable.
 *
 * @param at          a PCI address, {@code "root complex"}, {@code "IOMMU"}, {@code "RAM"}
 * @param step        what the fabric did there
 * @param address     the address concerned (bus address, IOVA or CPU physical, as the step says)
 * @param lengthBytes the bytes concerned
 * @param detail      the step's one variable word, e.g. a port type, a device or a reason ("" when none)
 */
public record FabricHop(String at, Step step, long address, long lengthBytes, String detail) {

    /** What happened at a hop. */
    public enum Step {
        /** The requester issues a memory read. */
        READ_REQUEST,
        /** The requester issues a memory write. */
        WRITE_REQUEST,
        /** The request goes up through a port (detail: the port type). */
        UP,
        /** The ingress downstream port has ACS P2P Request Redirect set. */
        ACS_RR_REDIRECT,
        /** The ingress downstream port has ACS Egress Control set. */
        ACS_EC_REDIRECT,
        /** A switch sends the request down to a peer (detail: the peer). */
        SWITCH_DOWN,
        /** A peer's BAR is read (address: CPU address). */
        BAR_READ,
        /** A peer's BAR is written (address: CPU address). */
        BAR_WRITE,
        /** The request arrives at the root complex (detail: the host bridge). */
        ROOT_COMPLEX,
        /** The IOMMU translates (address: the first CPU address; detail: the pieces). */
        IOMMU_TRANSLATED,
        /** The IOMMU faults (address: the IOVA). */
        IOMMU_FAULT,
        /** RAM is read (address: CPU address). */
        RAM_READ,
        /** RAM is written (address: CPU address). */
        RAM_WRITE,
        /** A peer's BAR is read through the host bridge. */
        HOST_BRIDGE_BAR_READ,
        /** A peer's BAR is written through the host bridge. */
        HOST_BRIDGE_BAR_WRITE,
        /** The target's downstream port has ACS P2P Completion Redirect set. */
        ACS_CR_REDIRECT,
        /** The requester receives the completion. */
        COMPLETION,
        /** The platform does not complete the request (detail: why). */
        UNSUPPORTED
    }

    /** Refuses nulls. */
    public FabricHop {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(detail, "detail");
    }

    /** The hop in words. */
    public String what() {
        return switch (step) {
            case READ_REQUEST -> String.format("memory read of %d bytes at bus address 0x%x", lengthBytes, address);
            case WRITE_REQUEST -> String.format("memory write of %d bytes at bus address 0x%x", lengthBytes, address);
            case UP -> "up through the " + detail;
            case ACS_RR_REDIRECT -> "ACS RR set: request redirected upstream";
            case ACS_EC_REDIRECT -> "ACS EC set: request redirected upstream";
            case SWITCH_DOWN -> "switch routes the request down to " + detail;
            case BAR_READ -> String.format("read from BAR at CPU address 0x%x", address);
            case BAR_WRITE -> String.format("written to BAR at CPU address 0x%x", address);
            case ROOT_COMPLEX -> "request arrives from " + detail;
            case IOMMU_TRANSLATED -> "translated to " + detail;
            case IOMMU_FAULT -> String.format("fault at 0x%x: the request is dropped", address);
            case RAM_READ -> String.format("read 0x%x+%d", address, lengthBytes);
            case RAM_WRITE -> String.format("written 0x%x+%d", address, lengthBytes);
            case HOST_BRIDGE_BAR_READ -> String.format("read 0x%x+%d (BAR, down through the host bridge)", address, lengthBytes);
            case HOST_BRIDGE_BAR_WRITE -> String.format("written 0x%x+%d (BAR, down through the host bridge)", address, lengthBytes);
            case ACS_CR_REDIRECT -> "ACS CR set: completion redirected up through the root complex";
            case COMPLETION -> "completion received";
            case UNSUPPORTED -> "unsupported request: " + detail;
        };
    }

    @Override
    public String toString() {
        return at + ": " + what();
    }
}
