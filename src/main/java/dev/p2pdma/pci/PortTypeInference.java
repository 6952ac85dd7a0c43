package dev.p2pdma.pci;

import java.util.HashMap;
import java.util.Map;

/**
 * Fills in PCIe port types an input could not show (hwloc XML has no config space; sysfs copied
 * without root and {@code lspci -x} have 64 bytes, too few for the capability list) from the
 * shape of the tree. Each inferred type is recorded in the function's problems with its reason.
 *
 * <p>Rules, applied top-down: a PCI-to-PCI bridge (class 0604, prog-if 00) on a root bus is a root
 * port; below a root port or a switch downstream port it is a switch upstream port; below an
 * upstream port a downstream port. Other bridges (subtractive decode, other classes) and anything
 * below a bridge of unknown type stay unknown. A non-bridge on a root bus is a root-complex
 * integrated endpoint, below a known port an endpoint. Functions whose type was read are never
 * changed. Stateless; thread-safe.
 */
public final class PortTypeInference {

    /** Config spaces shorter than this cannot have shown a capability list completely. */
    private static final int FULL_HEADER_BYTES = 0x100;

    private PortTypeInference() {
    }

    /** The topology with unknown port types inferred where the input lacked the bytes to read them. */
    public static PciTopology inferUnknown(PciTopology t) {
        PortType[] type = new PortType[t.size()];
        Map<PciAddress, PciFunction> changed = new HashMap<>();
        for (int i : t.scanOrder()) {
            PciFunction f = t.function(i);
            type[i] = f.portType();
            if (f.portType() != PortType.UNKNOWN || f.configLength() >= FULL_HEADER_BYTES) {
                continue;
            }
            int p = t.parent(i);
            PortType above = p < 0 ? null : type[p];
            String reason;
            PortType port;
            if (f.isBridge()) {
                if ((f.classCode() >>> 8) != 0x0604) {
                    port = PortType.UNKNOWN;
                    reason = String.format("class %04x is not a PCI-to-PCI bridge", f.classCode() >>> 8);
                } else if ((f.classCode() & 0xff) != 0) {
                    port = PortType.UNKNOWN;
                    reason = String.format("prog-if %02x: a PCIe port has prog-if 00", f.classCode() & 0xff);
                } else if (p < 0) {
                    port = PortType.ROOT_PORT;
                    reason = "a PCI-to-PCI bridge on a root bus";
                } else if (above == PortType.ROOT_PORT || above == PortType.DOWNSTREAM_PORT) {
                    port = PortType.UPSTREAM_PORT;
                    reason = "a PCI-to-PCI bridge below a " + above.label();
                } else if (above == PortType.UPSTREAM_PORT) {
                    port = PortType.DOWNSTREAM_PORT;
                    reason = "a PCI-to-PCI bridge below a " + above.label();
                } else {
                    port = PortType.UNKNOWN;
                    reason = "below a bridge whose type is unknown";
                }
            } else if (p < 0) {
                port = PortType.RC_INTEGRATED_ENDPOINT;
                reason = "a non-bridge function on a root bus";
            } else if (above == PortType.UNKNOWN || above == null) {
                port = PortType.UNKNOWN;
                reason = "below bridge " + t.function(p).address() + " whose type is unknown";
            } else {
                port = PortType.ENDPOINT;
                reason = "a non-bridge function below a " + above.label();
            }
            type[i] = port;
            changed.put(f.address(), f.toBuilder().portType(port)
                    .problem("port type inferred from the tree, not read: " + port.label() + " (" + reason + ")").build());
        }
        return changed.isEmpty() ? t : t.withFunctions(changed);
    }
}
