package dev.p2pdma.cli;

import dev.p2pdma.pci.IommuGroupReason;
import dev.p2pdma.pci.IommuGroups;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.machine.LoadedMachine;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code p2pdma groups}: the IOMMU groups Linux makes for the machine, listed the way VFIO users
 * list {@code /sys/kernel/iommu_groups}, with {@code --why} the reason each group has more than
 * one member.
 *
 * <p>Groups exist only with an IOMMU: when the input says the IOMMU is off (or a what-if turns it
 * off) the command says so and lists none, unless {@code --assume-iommu} asks for the groups an
 * IOMMU would give. When the input does not say, the groups are computed and a note says the IOMMU
 * was assumed on. Filled by picocli; not thread-safe.
 */
@Command(name = "groups", mixinStandardHelpOptions = true,
        description = "Print the IOMMU groups Linux makes (pci_device_group), like listing /sys/kernel/iommu_groups; --why names the missing ACS bit or bridge behind each shared group. "
                + "--format: text (default) or json ({\"format\": \"p2pdma-groups/1\", \"groups\": {\"<n>\": [BDF, ...]}}; docs/json-output.md).",
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:the groups were written (none when the IOMMU is off)", Main.EXIT_1_HELP, Main.EXIT_2_HELP})
final class GroupsCommand implements Callable<Integer> {

    /** Input and what-if options. */
    @Mixin
    InputOptions input;

    /** Output format: text or json. */
    @Mixin
    FormatOption format;

    /** Whether to print the reasons behind shared groups. */
    @Option(names = "--why", description = "For each group with more than one member, say which missing ACS bit, multifunction slot or bridge merged it.")
    boolean why;

    /** Whether to compute groups even when the IOMMU is off. */
    @Option(names = "--assume-iommu", description = "Compute groups even when the input says the IOMMU is off (from the ACS registers as read; "
                    + "--kernel-param intel_iommu=on also replays the ACS programming an IOMMU asks for).")
    boolean assumeIommu;

    /** Picocli's view of this command, for its streams. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The {@code format} field of the JSON output (docs/json-output.md). */
    static final String FORMAT = "p2pdma-groups/1";

    /** The JSON writer. */
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @Override
    public Integer call() throws Exception {
        OutputFormat chosen = format.require(OutputFormat.TEXT, OutputFormat.JSON);
        LoadedMachine a = input.load();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Boolean> iommu = a.iommuActive();
        boolean show = iommu.orElse(true) || assumeIommu;
        Optional<IommuGroups> groups = show
                ? Optional.of(IommuGroups.compute(a.topology(), a.decision().options().unknownAcs()))
                : Optional.empty();
        if (chosen == OutputFormat.JSON) {
            writeJson(groups, out);
        } else {
            PrintWriter text = TerminalText.writer(out);
            Header.write(a, text);
            writeText(a, iommu, groups, text);
            text.flush();
        }
        groups.ifPresent(g -> compareWithCapture(a, g, err));
        out.flush();
        err.flush();
        return 0;
    }

    private void writeText(LoadedMachine a, Optional<Boolean> iommu, Optional<IommuGroups> groups, PrintWriter out) {
        if (groups.isEmpty()) {
            out.println();
            out.println("IOMMU off: the kernel makes no IOMMU groups (--kernel-param intel_iommu=on shows the boot with an IOMMU;"
                    + " --assume-iommu groups the registers as read)");
            return;
        }
        IommuGroups g = groups.get();
        if (iommu.isEmpty()) {
            out.println("note:   IOMMU state unknown: groups shown as the kernel makes them with an IOMMU on");
        } else if (!iommu.get()) {
            out.println("note:   IOMMU off: groups computed anyway (--assume-iommu) from the ACS registers as read; a kernel with an IOMMU"
                    + " programs ACS first: --kernel-param intel_iommu=on (or amd_iommu=on) shows that boot");
        }
        for (String s : g.assumptions()) {
            out.println("note:   " + s);
        }
        PciTopology t = a.topology();
        g.groups().forEach((n, members) -> {
            out.println();
            out.println("IOMMU Group " + n + ":");
            for (PciAddress m : members) {
                out.println("    " + describe(t.function(m).orElseThrow()));
            }
            if (why) {
                for (IommuGroupReason r : g.reasons(n)) {
                    out.println("  why: " + r.describe());
                }
            }
        });
    }

    private static void writeJson(Optional<IommuGroups> groups, PrintWriter out) {
        Map<String, List<String>> byNumber = new LinkedHashMap<>();
        groups.ifPresent(g -> g.groups().forEach((n, members) -> byNumber.put(Integer.toString(n), members.stream().map(PciAddress::toString).toList())));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", FORMAT);
        doc.put("groups", byNumber);
        out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    }

    /** One line on stderr when the capture's own groups differ from the model's (only without what-ifs). */
    private static void compareWithCapture(LoadedMachine a, IommuGroups g, PrintWriter err) {
        SortedMap<Integer, List<PciAddress>> captured = a.topology().machine().iommuGroups();
        if (captured.isEmpty() || a.whatIf().isPresent() || g.sameAs(captured)) {
            return;
        }
        String how = g.samePartitionAs(captured) ? "the same partition, numbered differently"
                : "a different partition";
        err.println("p2pdma: note: the model's IOMMU groups (" + g.size() + ") differ from the captured iommu_groups (" + captured.size()
                + "): " + how);
    }

    /** {@code 0000:02:00.0 Non-Volatile memory controller [0108]: QEMU NVM Express Controller [1b36:0010]}. */
    static String describe(PciFunction f) {
        int cls = f.classCode() >>> 8;
        String name = f.description().map(d -> d + " ").orElse("");
        return f.address() + " " + className(cls) + String.format(" [%04x]: ", cls) + name + String.format("[%04x:%04x]", f.vendorId(), f.deviceId());
    }

    /** lspci's name for a base class and sub-class, for the common ones. */
    static String className(int baseAndSub) {
        return switch (baseAndSub) {
            case 0x0100 -> "SCSI storage controller";
            case 0x0101 -> "IDE interface";
            case 0x0104 -> "RAID bus controller";
            case 0x0106 -> "SATA controller";
            case 0x0107 -> "Serial Attached SCSI controller";
            case 0x0108 -> "Non-Volatile memory controller";
            case 0x0200 -> "Ethernet controller";
            case 0x0207 -> "Infiniband controller";
            case 0x0280 -> "Network controller";
            case 0x0300 -> "VGA compatible controller";
            case 0x0302 -> "3D controller";
            case 0x0380 -> "Display controller";
            case 0x0403 -> "Audio device";
            case 0x0500 -> "RAM memory";
            case 0x0600 -> "Host bridge";
            case 0x0601 -> "ISA bridge";
            case 0x0604 -> "PCI bridge";
            case 0x0680 -> "Bridge";
            case 0x0700 -> "Serial controller";
            case 0x0780 -> "Communication controller";
            case 0x0800 -> "PIC";
            case 0x0880 -> "System peripheral";
            case 0x0b40 -> "Co-processor";
            case 0x0c03 -> "USB controller";
            case 0x0c04 -> "Fibre Channel";
            case 0x0c05 -> "SMBus";
            case 0x1200 -> "Processing accelerators";
            default -> "Class";
        };
    }
}
