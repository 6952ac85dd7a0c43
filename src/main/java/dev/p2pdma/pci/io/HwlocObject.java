package dev.p2pdma.pci.io;

import dev.p2pdma.pci.PciAddress;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * One {@code <object>} of an hwloc XML file, as far as the PCI importer needs it: its kind, where it
 * starts, its nearest enclosing PCI object and, for PCI objects, the parsed PCI attributes.
 *
 * <p>Invariants: {@code address} and {@code pciType} are present exactly for {@link Kind#PCI_BRIDGE}
 * and {@link Kind#PCI_DEVICE}; only the info names in {@link #KEPT_INFOS} are kept (first value
 * wins), so memory stays bounded whatever the file holds. Filled in while the reader walks the
 * document, then only read; not thread-safe.
 */
final class HwlocObject {

    /** What an object is to the PCI importer. */
    enum Kind {
        /** A host bridge ({@code bridge_type="0-1"}): not a PCI function, its children sit on a root bus. */
        HOST_BRIDGE,
        /** A PCI-to-PCI bridge ({@code bridge_type="1-1"}): a PCI function with a secondary bus. */
        PCI_BRIDGE,
        /** A PCI function that is not a bridge ({@code type="PCIDev"}). */
        PCI_DEVICE,
        /** Anything else: Machine, Package, NUMANode, Group, caches, OSDev, Misc, the root. */
        OTHER;

        /** True for the kinds that are PCI functions. */
        boolean isFunction() {
            return this == PCI_BRIDGE || this == PCI_DEVICE;
        }
    }

    /** The {@code <info>} names the importer uses; others are dropped while reading. */
    static final Set<String> KEPT_INFOS = Set.of("PCIVendor", "PCIDevice", "CPUVendor", "CPUFamilyNumber", "CPUModel");

    /** What the object is. */
    private final Kind kind;
    /** Its {@code type} attribute as written. */
    private final String typeName;
    /** The line of its start tag. */
    private final int line;
    /** Its position in document order, counting every object from 0. */
    private final long order;
    /** The nearest enclosing object that is a host bridge, PCI bridge or PCI device; null when none. */
    private final HwlocObject pciParent;
    /** For PCI functions: the {@code pci_busid}; null otherwise. */
    private final PciAddress address;
    /** For PCI functions: the parsed {@code pci_type}; null otherwise. */
    private final HwlocPciText.PciType pciType;
    /** For bridges: the parsed {@code bridge_pci}; null when absent or not a bridge. */
    private final HwlocPciText.BusRange busRange;
    /** The {@code pci_link_speed} in GB/s; NaN when absent. */
    private final double linkGbps;
    /** Kept {@code <info>} children: name to first value. */
    private final Map<String, String> infos = new HashMap<>();
    /** For host bridges: the NUMA node of the nearest enclosing object that holds exactly one; -1 when none or several. */
    private int numaNode = -1;

    private HwlocObject(Kind kind, String typeName, int line, long order, HwlocObject pciParent, PciAddress address,
                        HwlocPciText.PciType pciType, HwlocPciText.BusRange busRange, double linkGbps) {
        this.kind = Objects.requireNonNull(kind);
        this.typeName = Objects.requireNonNull(typeName);
        this.line = line;
        this.order = order;
        this.pciParent = pciParent;
        this.address = address;
        this.pciType = pciType;
        this.busRange = busRange;
        this.linkGbps = linkGbps;
    }

    /** A non-PCI object, or the document root. */
    static HwlocObject other(String typeName, int line, long order) {
        return new HwlocObject(Kind.OTHER, typeName, line, order, null, null, null, null, Double.NaN);
    }

    /** A host bridge; {@code busRange} may be null. */
    static HwlocObject hostBridge(String typeName, int line, long order, HwlocObject pciParent, HwlocPciText.BusRange busRange) {
        return new HwlocObject(Kind.HOST_BRIDGE, typeName, line, order, pciParent, null, null, busRange, Double.NaN);
    }

    /** A PCI function; {@code busRange} only for bridges and may be null; {@code linkGbps} NaN when absent. */
    static HwlocObject function(Kind kind, String typeName, int line, long order, HwlocObject pciParent, PciAddress address,
                                HwlocPciText.PciType pciType, HwlocPciText.BusRange busRange, double linkGbps) {
        if (!kind.isFunction()) {
            throw new IllegalArgumentException("not a PCI function kind: " + kind);
        }
        return new HwlocObject(kind, typeName, line, order, pciParent, Objects.requireNonNull(address),
                Objects.requireNonNull(pciType), busRange, linkGbps);
    }

    /** Records an {@code <info>} child when its name is one the importer uses. */
    void addInfo(String name, String value) {
        if (KEPT_INFOS.contains(name)) {
            infos.putIfAbsent(name, value);
        }
    }

    Kind kind() {
        return kind;
    }

    /** Sets the NUMA node the reader found for this host bridge (after the whole document was read). */
    void numaNode(int node) {
        this.numaNode = node;
    }

    /** The NUMA node of the functions below this host bridge, when the XML says. */
    java.util.OptionalInt numaNode() {
        return numaNode < 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(numaNode);
    }

    /** Whether this object is a NUMA node ({@code type="NUMANode"}). */
    boolean isNumaNode() {
        return kind == Kind.OTHER && typeName.equalsIgnoreCase("NUMANode");
    }

    String typeName() {
        return typeName;
    }

    int line() {
        return line;
    }

    long order() {
        return order;
    }

    Optional<HwlocObject> pciParent() {
        return Optional.ofNullable(pciParent);
    }

    /** The {@code pci_busid}; only for PCI functions. */
    PciAddress address() {
        return Objects.requireNonNull(address, "not a PCI function");
    }

    /** The parsed {@code pci_type}; only for PCI functions. */
    HwlocPciText.PciType pciType() {
        return Objects.requireNonNull(pciType, "not a PCI function");
    }

    Optional<HwlocPciText.BusRange> busRange() {
        return Optional.ofNullable(busRange);
    }

    OptionalDouble linkGbps() {
        return Double.isNaN(linkGbps) ? OptionalDouble.empty() : OptionalDouble.of(linkGbps);
    }

    Optional<String> info(String name) {
        return Optional.ofNullable(infos.get(name));
    }
}
