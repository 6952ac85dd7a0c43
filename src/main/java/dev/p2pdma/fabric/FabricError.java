package dev.p2pdma.fabric;

import dev.p2pdma.iommu.IommuFault;
import java.util.Objects;

/**
 * Why the fabric did not complete a transaction. Either way nothing was read or written: a
 * transaction completes whole or not at all. Closed set of values; immutable.
 */
public sealed interface FabricError {

    /** One line for a person. */
    String describe();

    /**
     * The requester's IOMMU domain refused the address (not mapped, or mapped without the needed
     * permission); the fault is also recorded in the domain.
     *
     * @param fault the IOMMU's fault record: device, address, access and reason
     */
    record IommuFaulted(IommuFault fault) implements FabricError {
        /** Refuses null. */
        public IommuFaulted {
            Objects.requireNonNull(fault, "fault");
        }

        @Override
        public String describe() {
            return "IOMMU fault: " + fault;
        }
    }

    /**
     * The platform would not complete the request (PCIe Unsupported Request or a master abort): no
     * memory at the address, or a root complex that does not forward peer-to-peer.
     *
     * @param reason in words, naming the address or the devices
     */
    record UnsupportedRequest(String reason) implements FabricError {
        /** Refuses null. */
        public UnsupportedRequest {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String describe() {
            return "unsupported request: " + reason;
        }
    }
}
