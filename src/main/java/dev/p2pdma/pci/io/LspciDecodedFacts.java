package dev.p2pdma.pci.io;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PortType;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What lspci's text (the header line and the decoded {@code -v}..{@code -vvv} lines) says about one
 * function, independent of any hex rows. Unknown facts are empty, {@link PortType#UNKNOWN},
 * {@link LinkInfo#UNKNOWN} or {@link AcsState.Unknown}. Immutable.
 *
 * @param vendorId   vendor id, when printed numerically
 * @param deviceId   device id, when printed numerically
 * @param classCode  24-bit class code (programming interface 0 unless printed), when known
 * @param revision   revision id from {@code (rev RR)}
 * @param headerType header layout implied by the text (1 for a bridge with a {@code Bus:} line, 2 for CardBus)
 * @param busRange   secondary and subordinate bus from the {@code Bus:} line
 * @param portType   port type from the {@code Express} capability line
 * @param link       link speed and width from {@code LnkCap:} and {@code LnkSta:}
 * @param acs        ACS from {@code ACSCap:} and {@code ACSCtl:}, or why it is not known
 * @param numaNode   {@code NUMA node:}
 * @param driver     {@code Kernel driver in use:}
 * @param iommuGroup {@code IOMMU group:}
 * @param problems   what the text leaves unknown, in words
 * @param maxPayloadBytes     Max Payload Size from the {@code DevCtl:} continuation line {@code MaxPayload N bytes, MaxReadReq M bytes}
 * @param maxReadRequestBytes Max Read Request Size from the same line
 */
record LspciDecodedFacts(OptionalInt vendorId, OptionalInt deviceId, OptionalInt classCode, OptionalInt revision,
                         OptionalInt headerType, Optional<PciFunction.BusRange> busRange, PortType portType, LinkInfo link,
                         AcsState acs, OptionalInt numaNode, Optional<String> driver, OptionalInt iommuGroup,
                         List<String> problems, OptionalInt maxPayloadBytes, OptionalInt maxReadRequestBytes) {

    LspciDecodedFacts {
        Objects.requireNonNull(portType);
        Objects.requireNonNull(link);
        Objects.requireNonNull(acs);
        problems = List.copyOf(problems);
    }
}
