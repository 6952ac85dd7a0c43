package dev.p2pdma.pci.io;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The class and sub-class names lspci prints (from the PCI ID database) mapped back to their
 * 16-bit class numbers, for dumps printed without {@code -n}.
 *
 * <p>Only the names are data here; a name lspci would print for a base class alone (when it did not
 * know the sub-class) maps to that base class with sub-class 0x80 ("other"). Stateless and
 * thread-safe.
 */
final class PciClassNames {

    /** Lower-case name to {@code base << 8 | subclass}. */
    private static final Map<String, Integer> BY_NAME = Map.ofEntries(
            Map.entry("non-vga unclassified device", 0x0000),
            Map.entry("vga compatible unclassified device", 0x0001),
            Map.entry("image coprocessor", 0x0005),
            Map.entry("unclassified device", 0x0000),
            Map.entry("scsi storage controller", 0x0100),
            Map.entry("ide interface", 0x0101),
            Map.entry("floppy disk controller", 0x0102),
            Map.entry("ipi bus controller", 0x0103),
            Map.entry("raid bus controller", 0x0104),
            Map.entry("ata controller", 0x0105),
            Map.entry("sata controller", 0x0106),
            Map.entry("serial attached scsi controller", 0x0107),
            Map.entry("non-volatile memory controller", 0x0108),
            Map.entry("universal flash storage controller", 0x0109),
            Map.entry("mass storage controller", 0x0180),
            Map.entry("ethernet controller", 0x0200),
            Map.entry("token ring network controller", 0x0201),
            Map.entry("fddi network controller", 0x0202),
            Map.entry("atm network controller", 0x0203),
            Map.entry("isdn controller", 0x0204),
            Map.entry("worldfip controller", 0x0205),
            Map.entry("picmg controller", 0x0206),
            Map.entry("infiniband controller", 0x0207),
            Map.entry("fabric controller", 0x0208),
            Map.entry("network controller", 0x0280),
            Map.entry("vga compatible controller", 0x0300),
            Map.entry("xga compatible controller", 0x0301),
            Map.entry("3d controller", 0x0302),
            Map.entry("display controller", 0x0380),
            Map.entry("multimedia video controller", 0x0400),
            Map.entry("multimedia audio controller", 0x0401),
            Map.entry("computer telephony device", 0x0402),
            Map.entry("audio device", 0x0403),
            Map.entry("multimedia controller", 0x0480),
            Map.entry("ram memory", 0x0500),
            Map.entry("flash memory", 0x0501),
            Map.entry("cxl", 0x0502),
            Map.entry("memory controller", 0x0580),
            Map.entry("host bridge", 0x0600),
            Map.entry("isa bridge", 0x0601),
            Map.entry("eisa bridge", 0x0602),
            Map.entry("microchannel bridge", 0x0603),
            Map.entry("pci bridge", 0x0604),
            Map.entry("pcmcia bridge", 0x0605),
            Map.entry("nubus bridge", 0x0606),
            Map.entry("cardbus bridge", 0x0607),
            Map.entry("raceway bridge", 0x0608),
            Map.entry("semi-transparent pci-to-pci bridge", 0x0609),
            Map.entry("infiniband to pci host bridge", 0x060a),
            Map.entry("bridge", 0x0680),
            Map.entry("serial controller", 0x0700),
            Map.entry("parallel controller", 0x0701),
            Map.entry("multiport serial controller", 0x0702),
            Map.entry("modem", 0x0703),
            Map.entry("gpib controller", 0x0704),
            Map.entry("smard card controller", 0x0705),
            Map.entry("communication controller", 0x0780),
            Map.entry("pic", 0x0800),
            Map.entry("dma controller", 0x0801),
            Map.entry("timer", 0x0802),
            Map.entry("rtc", 0x0803),
            Map.entry("pci hot-plug controller", 0x0804),
            Map.entry("sd host controller", 0x0805),
            Map.entry("iommu", 0x0806),
            Map.entry("system peripheral", 0x0880),
            Map.entry("generic system peripheral", 0x0880),
            Map.entry("keyboard controller", 0x0900),
            Map.entry("digitizer pen", 0x0901),
            Map.entry("mouse controller", 0x0902),
            Map.entry("scanner controller", 0x0903),
            Map.entry("gameport controller", 0x0904),
            Map.entry("input device controller", 0x0980),
            Map.entry("generic docking station", 0x0a00),
            Map.entry("docking station", 0x0a80),
            Map.entry("processor", 0x0b80),
            Map.entry("386", 0x0b00),
            Map.entry("486", 0x0b01),
            Map.entry("pentium", 0x0b02),
            Map.entry("alpha", 0x0b10),
            Map.entry("power pc", 0x0b20),
            Map.entry("mips", 0x0b30),
            Map.entry("co-processor", 0x0b40),
            Map.entry("firewire (ieee 1394)", 0x0c00),
            Map.entry("access bus", 0x0c01),
            Map.entry("ssa", 0x0c02),
            Map.entry("usb controller", 0x0c03),
            Map.entry("fibre channel", 0x0c04),
            Map.entry("smbus", 0x0c05),
            Map.entry("infiniband", 0x0c06),
            Map.entry("ipmi interface", 0x0c07),
            Map.entry("sercos interface", 0x0c08),
            Map.entry("canbus", 0x0c09),
            Map.entry("serial bus controller", 0x0c80),
            Map.entry("irda controller", 0x0d00),
            Map.entry("consumer ir controller", 0x0d01),
            Map.entry("rf controller", 0x0d10),
            Map.entry("bluetooth", 0x0d11),
            Map.entry("broadband", 0x0d12),
            Map.entry("802.1a controller", 0x0d20),
            Map.entry("802.1b controller", 0x0d21),
            Map.entry("wireless controller", 0x0d80),
            Map.entry("i2o", 0x0e00),
            Map.entry("intelligent controller", 0x0e80),
            Map.entry("satellite tv controller", 0x0f01),
            Map.entry("satellite audio communication controller", 0x0f02),
            Map.entry("satellite voice communication controller", 0x0f03),
            Map.entry("satellite data communication controller", 0x0f04),
            Map.entry("satellite communications controller", 0x0f80),
            Map.entry("network and computing encryption device", 0x1000),
            Map.entry("entertainment encryption device", 0x1010),
            Map.entry("encryption controller", 0x1080),
            Map.entry("dpio module", 0x1100),
            Map.entry("performance counters", 0x1101),
            Map.entry("communication synchronizer", 0x1110),
            Map.entry("signal processing management", 0x1120),
            Map.entry("signal processing controller", 0x1180),
            Map.entry("processing accelerators", 0x1200),
            Map.entry("non-essential instrumentation", 0x1300),
            Map.entry("coprocessor", 0x4000),
            Map.entry("unassigned class", 0xff00));

    private PciClassNames() {
    }

    /** The 16-bit class (base and sub-class) lspci names {@code name}, if it is one it prints. */
    static OptionalInt classOf(String name) {
        Integer c = BY_NAME.get(name.strip().toLowerCase(Locale.ROOT));
        return c == null ? OptionalInt.empty() : OptionalInt.of(c);
    }
}
