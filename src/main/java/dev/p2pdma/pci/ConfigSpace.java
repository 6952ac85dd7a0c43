package dev.p2pdma.pci;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A parsed PCI configuration space: the type 0/1/2 header, the capability list, the PCI Express
 * capability, the extended capability list and ACS.
 *
 * <p>Never throws on bad bytes and never loops: a truncated header, a capability pointer into
 * the header, a looping or over-long list all end the walk and leave the affected facts unknown
 * with a reason in {@link #problems()}. Walks are bounded the way the kernel bounds them (48
 * standard capabilities, 480 extended ones) and by a visited set. Immutable.
 */
public final class ConfigSpace {

    /** Capability id of the PCI Express capability. */
    public static final int CAP_ID_EXP = 0x10;
    /** Capability id of the bridge Subsystem Vendor ID capability. */
    public static final int CAP_ID_SSVID = 0x0d;
    /** Most standard capabilities the kernel follows (PCI_FIND_CAP_TTL). */
    private static final int CAP_TTL = 48;
    /** Most extended capabilities the kernel follows: (4096 - 256) / 8. */
    private static final int EXT_CAP_TTL = 480;

    /** The captured bytes. */
    private final byte[] bytes;
    /** Standard capabilities found, in list order. */
    private final List<Capability> capabilities;
    /** Extended capabilities found, in list order. */
    private final List<Capability> extendedCapabilities;
    /** Offset of the PCI Express capability, -1 if none or unknown. */
    private final int pcieOffset;
    /** Whether the standard capability list was read to its end. */
    private final boolean capListComplete;
    /** Port type from the PCIe capability. */
    private final PortType portType;
    /** Link information from the PCIe capability. */
    private final LinkInfo link;
    /** ACS, or why it is unknown. */
    private final AcsState acs;
    /** What could not be read, in words. */
    private final List<String> problems;

    private ConfigSpace(byte[] bytes) {
        this.bytes = bytes;
        List<String> probs = new ArrayList<>();
        List<Capability> caps = new ArrayList<>();
        boolean complete = walkCapabilities(caps, probs);
        this.capabilities = Collections.unmodifiableList(caps);
        this.capListComplete = complete;
        int exp = -1;
        for (Capability c : caps) {
            if (c.id() == CAP_ID_EXP) {
                exp = c.offset();
                break;
            }
        }
        this.pcieOffset = exp;
        this.portType = computePortType(exp, complete, probs);
        this.link = computeLink(exp);
        List<Capability> ext = new ArrayList<>();
        this.acs = walkExtended(exp, complete, ext, probs);
        this.extendedCapabilities = Collections.unmodifiableList(ext);
        this.problems = List.copyOf(probs);
    }

    /** Parses config bytes of any length (0 to 4096). */
    public static ConfigSpace parse(byte[] bytes) {
        return new ConfigSpace(bytes.length > 4096 ? java.util.Arrays.copyOf(bytes, 4096) : bytes.clone());
    }

    /** Number of captured bytes. */
    public int length() {
        return bytes.length;
    }

    /** A copy of the bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** An 8-bit register, or -1 past the captured end. */
    public int u8(int off) {
        return off >= 0 && off < bytes.length ? bytes[off] & 0xff : -1;
    }

    /** A little-endian 16-bit register, or -1 past the captured end. */
    public int u16(int off) {
        return off >= 0 && off + 1 < bytes.length ? (bytes[off] & 0xff) | (bytes[off + 1] & 0xff) << 8 : -1;
    }

    /** A little-endian 32-bit register, or -1 past the captured end. */
    public long u32(int off) {
        if (off < 0 || off + 3 >= bytes.length) {
            return -1;
        }
        return (bytes[off] & 0xffL) | (bytes[off + 1] & 0xffL) << 8 | (bytes[off + 2] & 0xffL) << 16 | (bytes[off + 3] & 0xffL) << 24;
    }

    public int vendorId() {
        return u16(0x00);
    }

    public int deviceId() {
        return u16(0x02);
    }

    public int revision() {
        return u8(0x08);
    }

    /** The 24-bit class code, or -1 if not captured. */
    public int classCode() {
        return bytes.length >= 0x0c ? u8(0x09) | u8(0x0a) << 8 | u8(0x0b) << 16 : -1;
    }

    /** The Header Type register including bit 7, or -1 if not captured. */
    public int headerType() {
        return u8(0x0e);
    }

    /** Subsystem vendor and device ids: header fields for type 0, the SSVID capability for bridges. */
    public Optional<int[]> subsystem() {
        int layout = headerType() & 0x7f;
        if (layout == 0 && bytes.length >= 0x30) {
            return Optional.of(new int[] {u16(0x2c), u16(0x2e)});
        }
        for (Capability c : capabilities) {
            if (c.id() == CAP_ID_SSVID && u16(c.offset() + 6) >= 0) {
                return Optional.of(new int[] {u16(c.offset() + 4), u16(c.offset() + 6)});
            }
        }
        return Optional.empty();
    }

    /** For type 1 and 2 headers: secondary and subordinate bus numbers. */
    public Optional<PciFunction.BusRange> busRange() {
        int layout = headerType() & 0x7f;
        if ((layout == 1 || layout == 2) && bytes.length > 0x1a) {
            return Optional.of(new PciFunction.BusRange(u8(0x19), u8(0x1a)));
        }
        return Optional.empty();
    }

    /** For type 1 and 2 headers: the primary bus number. */
    public Optional<Integer> primaryBus() {
        int layout = headerType() & 0x7f;
        if ((layout == 1 || layout == 2) && bytes.length > 0x18) {
            return Optional.of(u8(0x18));
        }
        return Optional.empty();
    }

    public List<Capability> capabilities() {
        return capabilities;
    }

    public List<Capability> extendedCapabilities() {
        return extendedCapabilities;
    }

    /** Offset of the PCI Express capability, if there is one. */
    public Optional<Integer> pcieCapabilityOffset() {
        return pcieOffset < 0 ? Optional.empty() : Optional.of(pcieOffset);
    }

    public PortType portType() {
        return portType;
    }

    public LinkInfo link() {
        return link;
    }

    /**
     * Max Payload Size in bytes from the PCI Express capability's Device Control register (bits
     * 7:5, 128 bytes shifted left by the field), when the register was captured. Values 6 and 7
     * are reserved and read as unknown.
     */
    public OptionalInt maxPayloadBytes() {
        return deviceControlSize(5);
    }

    /** Max Read Request Size in bytes from Device Control (bits 14:12), as {@link #maxPayloadBytes()}. */
    public OptionalInt maxReadRequestBytes() {
        return deviceControlSize(12);
    }

    private OptionalInt deviceControlSize(int shift) {
        int ctl = pcieOffset < 0 ? -1 : u16(pcieOffset + 0x08);
        if (ctl < 0) {
            return OptionalInt.empty();
        }
        int v = (ctl >> shift) & 0x7;
        return v > 5 ? OptionalInt.empty() : OptionalInt.of(128 << v);
    }

    public AcsState acs() {
        return acs;
    }

    public List<String> problems() {
        return problems;
    }

    private boolean walkCapabilities(List<Capability> caps, List<String> probs) {
        if (bytes.length < 0x40) {
            probs.add("config space is " + bytes.length + " bytes: capability list not captured");
            return false;
        }
        int status = u16(0x06);
        if ((status & 0x10) == 0) {
            return true;
        }
        int layout = headerType() & 0x7f;
        int ptrOffset = layout == 2 ? 0x14 : 0x34;
        int pos = u8(ptrOffset) & ~3;
        BitSet seen = new BitSet(256);
        for (int ttl = CAP_TTL; ; ttl--) {
            if (pos == 0) {
                return true;
            }
            if (pos < 0x40) {
                probs.add(String.format("capability pointer 0x%02x points into the header", pos));
                return false;
            }
            if (pos + 1 >= bytes.length) {
                probs.add(String.format("capability at 0x%02x lies past the captured %d bytes", pos, bytes.length));
                return false;
            }
            if (seen.get(pos) || ttl == 0) {
                probs.add(String.format("capability list loops at 0x%02x", pos));
                return false;
            }
            seen.set(pos);
            int id = u8(pos);
            if (id == 0xff) {
                probs.add(String.format("capability at 0x%02x reads 0xff (device gone?)", pos));
                return false;
            }
            caps.add(new Capability(id, pos, 0));
            pos = u8(pos + 1) & ~3;
        }
    }

    private PortType computePortType(int exp, boolean complete, List<String> probs) {
        if (exp >= 0) {
            int flags = u16(exp + 2);
            if (flags < 0) {
                probs.add("PCI Express capability truncated");
                return PortType.UNKNOWN;
            }
            PortType t = PortType.ofCode((flags >> 4) & 0xf);
            if (t == PortType.UNKNOWN) {
                probs.add("reserved PCIe Device/Port Type " + ((flags >> 4) & 0xf));
            }
            return t;
        }
        return complete ? PortType.CONVENTIONAL_PCI : PortType.UNKNOWN;
    }

    private LinkInfo computeLink(int exp) {
        if (exp < 0) {
            return LinkInfo.UNKNOWN;
        }
        long linkCap = u32(exp + 0x0c);
        int linkSta = u16(exp + 0x12);
        if (linkCap < 0 || linkSta < 0 || linkCap == 0) {
            return LinkInfo.UNKNOWN;
        }
        return new LinkInfo(LinkInfo.speedOfEncoding((int) (linkCap & 0xf)), (int) ((linkCap >> 4) & 0x3f),
                LinkInfo.speedOfEncoding(linkSta & 0xf), (linkSta >> 4) & 0x3f);
    }

    private AcsState walkExtended(int exp, boolean complete, List<Capability> ext, List<String> probs) {
        if (exp < 0) {
            if (complete) {
                // conventional PCI: no extended configuration space, so no ACS (cfg_size 256)
                return AcsState.ABSENT;
            }
            return new AcsState.Unknown(probs.isEmpty() ? "capability list unreadable" : probs.get(probs.size() - 1));
        }
        if (bytes.length <= 0x100) {
            return new AcsState.Unknown("config space is " + bytes.length
                    + " bytes: the extended capabilities (where ACS lives) were not captured");
        }
        int pos = 0x100;
        long header = u32(pos);
        if (header == 0 || header == 0xffffffffL) {
            return AcsState.ABSENT;
        }
        BitSet seen = new BitSet(4096);
        AcsState found = null;
        for (int ttl = EXT_CAP_TTL; ; ttl--) {
            if (header < 0) {
                probs.add(String.format("extended capability at 0x%03x lies past the captured %d bytes", pos, bytes.length));
                return found != null ? found : new AcsState.Unknown(probs.get(probs.size() - 1));
            }
            if (seen.get(pos) || ttl == 0) {
                probs.add(String.format("extended capability list loops at 0x%03x", pos));
                return found != null ? found : new AcsState.Unknown(probs.get(probs.size() - 1));
            }
            seen.set(pos);
            int id = (int) (header & 0xffff);
            int version = (int) ((header >> 16) & 0xf);
            ext.add(new Capability(id, pos, version));
            if (id == Acs.EXT_CAP_ID && found == null) {
                int cap = u16(pos + Acs.CAP_REGISTER_OFFSET);
                int ctrl = u16(pos + Acs.CTRL_REGISTER_OFFSET);
                if (cap < 0 || ctrl < 0) {
                    probs.add(String.format("ACS capability at 0x%03x truncated", pos));
                    return new AcsState.Unknown(probs.get(probs.size() - 1));
                }
                found = new AcsState.Present(cap, ctrl);
            }
            int next = (int) ((header >> 20) & 0xffc);
            if (next == 0) {
                return found != null ? found : AcsState.ABSENT;
            }
            if (next < 0x100) {
                probs.add(String.format("extended capability at 0x%03x points to 0x%03x, inside the standard space", pos, next));
                return found != null ? found : new AcsState.Unknown(probs.get(probs.size() - 1));
            }
            pos = next;
            header = u32(pos);
        }
    }

    /**
     * One entry of a capability list.
     *
     * @param id      capability id
     * @param offset  byte offset in config space
     * @param version capability version (extended capabilities only; 0 for standard ones)
     */
    public record Capability(int id, int offset, int version) {
    }
}
