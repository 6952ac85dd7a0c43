package dev.p2pdma.pci.io;

import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.ConfigSpace;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortTypeInference;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.pci.TopologyException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds a {@link PciTopology} from the text lspci prints: hex dumps ({@code lspci -x}, {@code -xxx},
 * {@code -xxxx}: a header line per function, then 16-byte hex rows of its config space) and decoded
 * listings ({@code lspci -vvv}), or both mixed in one file, even for one function.
 *
 * <p>Hex rows are parsed with {@link ConfigSpace}; decoded lines fill in what the rows do not cover
 * (for example ACS when only 256 bytes were dumped) plus the NUMA node, driver and IOMMU group.
 * Where both know a fact the hex rows win and a disagreement is recorded as a problem. A 4096-byte
 * capture whose extended space merely repeats the header is sized down to 256 bytes, as the kernel
 * does, so its corrupt extended capability list is never believed.
 * The tree comes from the bridges' secondary bus numbers ({@link Parent#FROM_BUS_NUMBERS}): a bus
 * no bridge claims is a root bus. An lspci dump records no CPU, kernel command line or IOMMU
 * state; the machine facts say so.
 *
 * <p>Bad input never escapes as anything but an {@link ImportException} with a one-line message
 * naming the file (and line). Stateless and thread-safe.
 */
public final class LspciImporter {

    /** Largest file accepted: far above any real dump (4096 bytes of config print as about 13 KiB). */
    public static final long MAX_FILE_BYTES = 64L << 20;
    /** Size of conventional config space: what the kernel keeps when the extended space is unusable. */
    private static final int STANDARD_CONFIG_BYTES = 256;

    private LspciImporter() {
    }

    /**
     * Imports an lspci dump file.
     *
     * @param file the dump
     * @return the topology, with {@link MachineInfo#unknown(String)} machine facts plus notes
     * @throws ImportException when the file is missing, unreadable, too large, not an lspci dump, or malformed
     */
    public static PciTopology importFile(Path file) throws ImportException {
        Objects.requireNonNull(file, "file");
        String source = file.toString();
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new ImportException(source + ": is a directory, not an lspci dump");
            }
            InputFiles.requireRegularFile(file, "file");
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ImportException(source + ": " + size + " bytes is too large for an lspci dump (limit " + MAX_FILE_BYTES + ")");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImportException(source + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new ImportException(source + ": permission denied", e);
        } catch (IOException e) {
            throw new ImportException(source + ": cannot read: " + oneLine(e.getMessage()), e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new ImportException(source + ": " + bytes.length + " bytes is too large for an lspci dump (limit " + MAX_FILE_BYTES + ")");
        }
        return importText(source, new String(bytes, StandardCharsets.UTF_8));
    }

    /**
     * Imports the text of an lspci dump.
     *
     * @param source how messages and the machine facts name the input, e.g. a file path
     * @param text   the dump
     * @throws ImportException when the text is not an lspci dump or is malformed
     */
    public static PciTopology importText(String source, String text) throws ImportException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(text, "text");
        List<LspciEntry> entries = LspciDumpReader.read(source, text);
        MachineInfo machine = MachineInfo.unknown("lspci dump " + source)
                .withNote("CPU and kernel command line are unknown: an lspci dump does not record them");
        PciTopology.Builder builder = PciTopology.builder(machine);
        int acsUnknown = 0;
        PciTopology topology;
        try {
            for (LspciEntry e : entries) {
                PciFunction f = toFunction(source, e);
                if (f.acs() instanceof AcsState.Unknown) {
                    acsUnknown++;
                }
                builder.add(f, Parent.FROM_BUS_NUMBERS);
            }
            topology = PortTypeInference.inferUnknown(builder.build());
        } catch (TopologyException e) {
            throw new ImportException(source + ": " + oneLine(e.getMessage()), e);
        }
        if (acsUnknown > 0) {
            topology = topology.withMachine(topology.machine().withNote("ACS is unknown for " + acsUnknown + " of "
                    + entries.size() + " functions: see each function's problems"));
        }
        return topology;
    }

    private static PciFunction toFunction(String source, LspciEntry e) throws ImportException {
        if (!e.hasConfig() && e.details().isEmpty()) {
            throw new ImportException(source + ": line " + e.headerLine() + ": function " + e.address()
                    + " has neither hex rows nor decoded lines (plain lspci output has no bus numbers: use lspci -xxxx or -vvv)");
        }
        LspciDecodedFacts d = LspciDetailDecoder.decode(source, e);
        PciFunction.Builder b = PciFunction.builder(e.address()).description(e.description());
        int length = 0;
        Optional<ConfigSpace> parsed = Optional.empty();
        AcsState hexAcs = null;
        if (e.hasConfig()) {
            byte[] captured = e.config();
            boolean aliased = extendedSpaceAliased(captured);
            // an aliased extended space is sized away by the kernel: parse what its sysfs config would hold
            ConfigSpace cs = ConfigSpace.parse(aliased ? Arrays.copyOf(captured, STANDARD_CONFIG_BYTES) : captured);
            b.fromConfig(cs);
            length = captured.length;
            parsed = Optional.of(cs);
            hexAcs = cs.acs();
            if (aliased) {
                b.config(captured);
                b.problem("config bytes 0x100-0xfff alias the standard header (the dword at 0x000 repeats at every 256-byte block), "
                        + "so the extended capability list read from them is corrupt: the kernel sizes this config space at 256 bytes "
                        + "and sees no extended capabilities");
                if (cs.pcieCapabilityOffset().isPresent()) {
                    hexAcs = AcsState.ABSENT;
                    b.acs(hexAcs);
                }
            }
        } else {
            b.problem("no config space bytes in the dump: facts taken from lspci's decoded text");
        }
        if (length < 4) {
            if (d.vendorId().isPresent() && d.deviceId().isPresent()) {
                b.ids(d.vendorId().getAsInt(), d.deviceId().getAsInt());
            } else {
                b.problem("vendor and device ids unknown: lspci printed names only (use lspci -nn)");
            }
        }
        if (length < 0x0c) {
            d.classCode().ifPresent(b::classCode);
            d.revision().ifPresent(b::revision);
            if (d.classCode().isEmpty()) {
                b.problem("class code unknown: " + Texts.quote(className(e.description())) + " is not a class name lspci prints");
            }
        }
        if (length < 0x10) {
            d.headerType().ifPresent(b::headerType);
        }
        Optional<PciFunction.BusRange> range = parsed.flatMap(ConfigSpace::busRange).or(d::busRange);
        if (range.isPresent() && range.get().secondary() <= e.address().bus()) {
            b.busRange(-1, -1);
            b.problem(String.format("bridge bus numbers unassigned or invalid (secondary bus %02x is not above its own bus %02x): "
                    + "nothing is placed below it", range.get().secondary(), e.address().bus()));
        } else if (range.isPresent() && range.get().secondary() > range.get().subordinate()) {
            b.busRange(-1, -1);
            b.problem(String.format("bridge bus numbers invalid (secondary bus %02x is above its subordinate bus %02x): "
                    + "nothing is placed below it", range.get().secondary(), range.get().subordinate()));
        } else {
            range.ifPresent(r -> b.busRange(r.secondary(), r.subordinate()));
        }
        PortType hexType = parsed.map(ConfigSpace::portType).orElse(PortType.UNKNOWN);
        if (hexType == PortType.UNKNOWN && d.portType() != PortType.UNKNOWN) {
            b.portType(d.portType());
        }
        if (parsed.map(cs -> cs.link().isUnknown()).orElse(true) && !d.link().isUnknown()) {
            b.link(d.link());
        }
        if (hexAcs == null || hexAcs instanceof AcsState.Unknown && !(d.acs() instanceof AcsState.Unknown)) {
            b.acs(d.acs());
        } else if (!(d.acs() instanceof AcsState.Unknown) && !d.acs().equals(hexAcs)) {
            b.problem("the hex rows and the decoded ACS lines disagree (" + hexAcs + " vs " + d.acs() + "): the hex rows are used");
        }
        if (parsed.map(cs -> cs.maxPayloadBytes().isEmpty()).orElse(true)) {
            d.maxPayloadBytes().ifPresent(b::maxPayloadBytes);
        }
        if (parsed.map(cs -> cs.maxReadRequestBytes().isEmpty()).orElse(true)) {
            d.maxReadRequestBytes().ifPresent(b::maxReadRequestBytes);
        }
        d.numaNode().ifPresent(b::numaNode);
        d.driver().ifPresent(b::driver);
        d.iommuGroup().ifPresent(b::iommuGroup);
        d.problems().forEach(b::problem);
        PciFunction f = b.build();
        if (f.isBridge() && f.busRange().isEmpty() && range.isEmpty()) {
            return f.toBuilder().problem("a bridge without bus numbers in the dump: functions below it appear on root buses").build();
        }
        return f;
    }

    /**
     * The kernel's aliasing test for extended config space: a full 4096-byte capture whose every
     * 256-byte block starts with the vendor/device dword at offset 0.
     */
    static boolean extendedSpaceAliased(byte[] config) {
        if (config.length < LspciEntry.MAX_CONFIG_BYTES) {
            return false;
        }
        for (int pos = STANDARD_CONFIG_BYTES; pos < config.length; pos += STANDARD_CONFIG_BYTES) {
            if (!Arrays.equals(config, 0, 4, config, pos, pos + 4)) {
                return false;
            }
        }
        return true;
    }

    private static String className(String description) {
        int colon = description.indexOf(": ");
        return colon < 0 ? description : description.substring(0, colon);
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\r\n]+\\s*", " ").strip();
    }
}
