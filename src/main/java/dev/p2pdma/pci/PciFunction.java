package dev.p2pdma.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One PCI function as an importer saw it: identity, type, resources, ACS, link and the sysfs facts
 * Linux exposes about it. Relations to other functions live in {@link PciTopology}.
 *
 * <p>Immutable and safe to share between threads. Invariants: ids are 16-bit, {@code classCode}
 * is 24-bit, {@code revision} 8-bit; {@code headerType} is the full register (bit 7 =
 * multi-function) or -1 when unknown; a function with {@code physfn} is an SR-IOV virtual function.
 */
public final class PciFunction {

    /** Its address. */
    private final PciAddress address;
    /** Vendor id. */
    private final int vendorId;
    /** Device id. */
    private final int deviceId;
    /** Subsystem vendor id, -1 when unknown. */
    private final int subsystemVendorId;
    /** Subsystem device id, -1 when unknown. */
    private final int subsystemDeviceId;
    /** 24-bit class code: base class, sub-class, programming interface. */
    private final int classCode;
    /** Revision id, -1 when unknown. */
    private final int revision;
    /** Header Type register including the multi-function bit 7, -1 when unknown. */
    private final int headerType;
    /** PCIe Device/Port Type, or conventional PCI, or unknown. */
    private final PortType portType;
    /** Memory and I/O BARs, by index. */
    private final List<Bar> bars;
    /** ACS capability and control, or why it is not known. */
    private final AcsState acs;
    /** Link speed and width. */
    private final LinkInfo link;
    /** Max Payload Size in bytes from Device Control, -1 when unknown. */
    private final int maxPayloadBytes;
    /** Max Read Request Size in bytes from Device Control, -1 when unknown. */
    private final int maxReadRequestBytes;
    /** For bridges: the secondary bus number, -1 otherwise or when unknown. */
    private final int secondaryBus;
    /** For bridges: the subordinate bus number, -1 otherwise or when unknown. */
    private final int subordinateBus;
    /** NUMA node, -1 when none or unknown. */
    private final int numaNode;
    /** Name of the bound driver, empty when none. */
    private final String driver;
    /** IOMMU group number as captured, -1 when none. */
    private final int iommuGroup;
    /** For a virtual function: its physical function. */
    private final PciAddress physfn;
    /** For a physical function: its virtual functions. */
    private final List<PciAddress> virtfns;
    /** The p2pmem attributes, when the function registered peer-to-peer memory. */
    private final P2pMemInfo p2pmem;
    /** A human description (vendor/device name) when the input carried one, else empty. */
    private final String description;
    /** Raw config space bytes as captured (possibly truncated), empty when none. */
    private final byte[] config;
    /** What could not be read about this function, in words. */
    private final List<String> problems;

    private PciFunction(Builder b) {
        this.address = Objects.requireNonNull(b.address, "address");
        this.vendorId = b.vendorId & 0xffff;
        this.deviceId = b.deviceId & 0xffff;
        this.subsystemVendorId = b.subsystemVendorId;
        this.subsystemDeviceId = b.subsystemDeviceId;
        this.classCode = b.classCode & 0xffffff;
        this.revision = b.revision;
        this.headerType = b.headerType;
        this.portType = b.portType;
        this.bars = List.copyOf(b.bars);
        this.acs = b.acs;
        this.link = b.link;
        this.maxPayloadBytes = b.maxPayloadBytes;
        this.maxReadRequestBytes = b.maxReadRequestBytes;
        this.secondaryBus = b.secondaryBus;
        this.subordinateBus = b.subordinateBus;
        this.numaNode = b.numaNode;
        this.driver = b.driver;
        this.iommuGroup = b.iommuGroup;
        this.physfn = b.physfn;
        this.virtfns = List.copyOf(b.virtfns);
        this.p2pmem = b.p2pmem;
        this.description = b.description;
        this.config = b.config.clone();
        this.problems = List.copyOf(b.problems);
    }

    /** A builder for a function at {@code address}. */
    public static Builder builder(PciAddress address) {
        return new Builder(address);
    }

    /** A builder pre-filled with this function's values. */
    public Builder toBuilder() {
        Builder b = new Builder(address);
        b.vendorId = vendorId;
        b.deviceId = deviceId;
        b.subsystemVendorId = subsystemVendorId;
        b.subsystemDeviceId = subsystemDeviceId;
        b.classCode = classCode;
        b.revision = revision;
        b.headerType = headerType;
        b.portType = portType;
        b.bars.addAll(bars);
        b.acs = acs;
        b.link = link;
        b.maxPayloadBytes = maxPayloadBytes;
        b.maxReadRequestBytes = maxReadRequestBytes;
        b.secondaryBus = secondaryBus;
        b.subordinateBus = subordinateBus;
        b.numaNode = numaNode;
        b.driver = driver;
        b.iommuGroup = iommuGroup;
        b.physfn = physfn;
        b.virtfns.addAll(virtfns);
        b.p2pmem = p2pmem;
        b.description = description;
        b.config = config.clone();
        b.problems.addAll(problems);
        return b;
    }

    public PciAddress address() {
        return address;
    }

    public int vendorId() {
        return vendorId;
    }

    public int deviceId() {
        return deviceId;
    }

    public OptionalInt subsystemVendorId() {
        return subsystemVendorId < 0 ? OptionalInt.empty() : OptionalInt.of(subsystemVendorId);
    }

    public OptionalInt subsystemDeviceId() {
        return subsystemDeviceId < 0 ? OptionalInt.empty() : OptionalInt.of(subsystemDeviceId);
    }

    public int classCode() {
        return classCode;
    }

    /** The base class: bits 23..16 of the class code (0x06 for bridges). */
    public int baseClass() {
        return classCode >>> 16;
    }

    public OptionalInt revision() {
        return revision < 0 ? OptionalInt.empty() : OptionalInt.of(revision);
    }

    /** The Header Type register (bit 7 is the multi-function bit), when known. */
    public OptionalInt headerType() {
        return headerType < 0 ? OptionalInt.empty() : OptionalInt.of(headerType);
    }

    /** The header layout (0 normal, 1 PCI-to-PCI bridge, 2 CardBus), when known. */
    public OptionalInt headerLayout() {
        return headerType < 0 ? OptionalInt.empty() : OptionalInt.of(headerType & 0x7f);
    }

    /** Bit 7 of the Header Type register; false when unknown. */
    public boolean multiFunctionBit() {
        return headerType >= 0 && (headerType & 0x80) != 0;
    }

    public PortType portType() {
        return portType;
    }

    public List<Bar> bars() {
        return bars;
    }

    public AcsState acs() {
        return acs;
    }

    public LinkInfo link() {
        return link;
    }

    /** Max Payload Size in bytes (PCIe Device Control bits 7:5), when known. */
    public OptionalInt maxPayloadBytes() {
        return maxPayloadBytes < 0 ? OptionalInt.empty() : OptionalInt.of(maxPayloadBytes);
    }

    /** Max Read Request Size in bytes (PCIe Device Control bits 14:12), when known. */
    public OptionalInt maxReadRequestBytes() {
        return maxReadRequestBytes < 0 ? OptionalInt.empty() : OptionalInt.of(maxReadRequestBytes);
    }

    /** True when the function is a PCI bridge: header layout 1, or class 0x0604/0x0609 when the header is unknown. */
    public boolean isBridge() {
        if (headerType >= 0) {
            return (headerType & 0x7f) == 1;
        }
        int sub = classCode >>> 8;
        return sub == 0x0604 || sub == 0x0609;
    }

    /** The bus range below a bridge, when known. */
    public Optional<BusRange> busRange() {
        if (secondaryBus < 0) {
            return Optional.empty();
        }
        return Optional.of(new BusRange(secondaryBus, subordinateBus < 0 ? secondaryBus : subordinateBus));
    }

    public OptionalInt numaNode() {
        return numaNode < 0 ? OptionalInt.empty() : OptionalInt.of(numaNode);
    }

    public Optional<String> driver() {
        return driver.isEmpty() ? Optional.empty() : Optional.of(driver);
    }

    public OptionalInt iommuGroup() {
        return iommuGroup < 0 ? OptionalInt.empty() : OptionalInt.of(iommuGroup);
    }

    public Optional<PciAddress> physfn() {
        return Optional.ofNullable(physfn);
    }

    /** True for an SR-IOV virtual function. */
    public boolean isVirtfn() {
        return physfn != null;
    }

    public List<PciAddress> virtfns() {
        return virtfns;
    }

    public Optional<P2pMemInfo> p2pmem() {
        return Optional.ofNullable(p2pmem);
    }

    public Optional<String> description() {
        return description.isEmpty() ? Optional.empty() : Optional.of(description);
    }

    /** A copy of the captured config space bytes (possibly empty or truncated). */
    public byte[] config() {
        return config.clone();
    }

    /** Number of captured config space bytes. */
    public int configLength() {
        return config.length;
    }

    public List<String> problems() {
        return problems;
    }

    /** The prefix the kernel's dev_warn() puts before a message: driver name (or "pci") and address. */
    public String logPrefix() {
        return (driver.isEmpty() ? "pci" : driver) + " " + address;
    }

    /** {@code [8086:29c0]}. */
    public String idText() {
        return String.format("[%04x:%04x]", vendorId, deviceId);
    }

    @Override
    public String toString() {
        return address + " " + idText() + " class " + String.format("%06x", classCode) + " " + portType.label();
    }

    /**
     * A bridge's secondary..subordinate bus numbers.
     *
     * @param secondary   first bus below the bridge
     * @param subordinate last bus below the bridge
     */
    public record BusRange(int secondary, int subordinate) {
        /** True when {@code bus} lies in the range. */
        public boolean contains(int bus) {
            return bus >= secondary && bus <= subordinate;
        }
    }

    /** Collects a function's values; not thread-safe. */
    public static final class Builder {
        private final PciAddress address;
        private int vendorId = 0xffff;
        private int deviceId = 0xffff;
        private int subsystemVendorId = -1;
        private int subsystemDeviceId = -1;
        private int classCode;
        private int revision = -1;
        private int headerType = -1;
        private PortType portType = PortType.UNKNOWN;
        private final List<Bar> bars = new ArrayList<>();
        private AcsState acs = new AcsState.Unknown("no config space");
        private LinkInfo link = LinkInfo.UNKNOWN;
        private int maxPayloadBytes = -1;
        private int maxReadRequestBytes = -1;
        private int secondaryBus = -1;
        private int subordinateBus = -1;
        private int numaNode = -1;
        private String driver = "";
        private int iommuGroup = -1;
        private PciAddress physfn;
        private final List<PciAddress> virtfns = new ArrayList<>();
        private P2pMemInfo p2pmem;
        private String description = "";
        private byte[] config = new byte[0];
        private final List<String> problems = new ArrayList<>();

        private Builder(PciAddress address) {
            this.address = Objects.requireNonNull(address, "address");
        }

        public PciAddress address() {
            return address;
        }

        public Builder ids(int vendor, int device) {
            this.vendorId = vendor;
            this.deviceId = device;
            return this;
        }

        public Builder subsystem(int vendor, int device) {
            this.subsystemVendorId = vendor & 0xffff;
            this.subsystemDeviceId = device & 0xffff;
            return this;
        }

        public Builder classCode(int classCode) {
            this.classCode = classCode;
            return this;
        }

        public Builder revision(int revision) {
            this.revision = revision & 0xff;
            return this;
        }

        public Builder headerType(int headerType) {
            this.headerType = headerType < 0 ? -1 : headerType & 0xff;
            return this;
        }

        public Builder portType(PortType portType) {
            this.portType = Objects.requireNonNull(portType);
            return this;
        }

        public Builder bars(List<Bar> bars) {
            this.bars.clear();
            this.bars.addAll(bars);
            return this;
        }

        public Builder acs(AcsState acs) {
            this.acs = Objects.requireNonNull(acs);
            return this;
        }

        public AcsState acs() {
            return acs;
        }

        public Builder link(LinkInfo link) {
            this.link = Objects.requireNonNull(link);
            return this;
        }

        /** Max Payload Size in bytes, -1 for unknown. */
        public Builder maxPayloadBytes(int bytes) {
            this.maxPayloadBytes = bytes < 0 ? -1 : bytes;
            return this;
        }

        /** Max Read Request Size in bytes, -1 for unknown. */
        public Builder maxReadRequestBytes(int bytes) {
            this.maxReadRequestBytes = bytes < 0 ? -1 : bytes;
            return this;
        }

        public Builder busRange(int secondary, int subordinate) {
            this.secondaryBus = secondary;
            this.subordinateBus = subordinate;
            return this;
        }

        public Builder numaNode(int node) {
            this.numaNode = node;
            return this;
        }

        public Builder driver(String driver) {
            this.driver = Objects.requireNonNull(driver);
            return this;
        }

        public Builder iommuGroup(int group) {
            this.iommuGroup = group;
            return this;
        }

        public Builder physfn(PciAddress physfn) {
            this.physfn = physfn;
            return this;
        }

        public Builder virtfns(List<PciAddress> vfs) {
            this.virtfns.clear();
            this.virtfns.addAll(vfs);
            return this;
        }

        public Builder p2pmem(P2pMemInfo info) {
            this.p2pmem = info;
            return this;
        }

        public Builder description(String description) {
            this.description = Objects.requireNonNull(description);
            return this;
        }

        public Builder config(byte[] bytes) {
            this.config = bytes.clone();
            return this;
        }

        public Builder problem(String problem) {
            this.problems.add(problem);
            return this;
        }

        /**
         * Fills identity, header, bridge bus numbers, port type, link, Device Control sizes and ACS from parsed config
         * space; values already set by the caller from better sources (sysfs text files) are kept
         * where the config space does not know them.
         */
        public Builder fromConfig(ConfigSpace cs) {
            this.config = cs.bytes();
            if (cs.length() >= 4) {
                ids(cs.vendorId(), cs.deviceId());
            }
            if (cs.length() >= 0x0c) {
                classCode(cs.classCode());
                revision(cs.revision());
            }
            if (cs.length() >= 0x10) {
                headerType(cs.headerType());
            }
            cs.subsystem().ifPresent(s -> subsystem(s[0], s[1]));
            cs.busRange().ifPresent(r -> busRange(r.secondary(), r.subordinate()));
            this.portType = cs.portType();
            if (!cs.link().isUnknown() && link.isUnknown()) {
                this.link = cs.link();
            }
            if (maxPayloadBytes < 0) {
                cs.maxPayloadBytes().ifPresent(v -> this.maxPayloadBytes = v);
            }
            if (maxReadRequestBytes < 0) {
                cs.maxReadRequestBytes().ifPresent(v -> this.maxReadRequestBytes = v);
            }
            this.acs = cs.acs();
            this.problems.addAll(cs.problems());
            return this;
        }

        public PciFunction build() {
            return new PciFunction(this);
        }
    }
}
