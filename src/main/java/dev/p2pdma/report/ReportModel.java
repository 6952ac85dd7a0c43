package dev.p2pdma.report;

import dev.p2pdma.pci.IommuGroups;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.machine.LoadedMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything the tree and the page draw, computed once from a loaded machine and a name database:
 * the layout, one label per node, and the header lines (source, CPU rule, kernel command line,
 * IOMMU, names, assumptions).
 *
 * <p>IOMMU groups are the ones the kernel would make ({@link IommuGroups}, spec 5.6), computed
 * unless the IOMMU is known to be off; the header says where they came from and whether the
 * input's own captured groups agree. Invariants: {@code labels} has one entry per
 * layout row, in row order. Immutable and thread-safe.
 */
public final class ReportModel {

    /** The machine with its what-ifs. */
    private final LoadedMachine machine;
    /** The names used. */
    private final PciIds ids;
    /** Where every node is. */
    private final TreeLayout layout;
    /** One label per row. */
    private final List<NodeLabel> labels;
    /** The header: label and text per line. */
    private final List<HeaderLine> header;
    /** The computed IOMMU groups, empty when the IOMMU is off. */
    private final Optional<IommuGroups> groups;

    /**
     * One header line.
     *
     * @param label what the line is about ("cpu", "kernel", "note")
     * @param text  the line
     */
    public record HeaderLine(String label, String text) {
    }

    private ReportModel(LoadedMachine machine, PciIds ids) {
        this.machine = machine;
        this.ids = ids;
        this.layout = TreeLayout.of(machine.topology());
        this.groups = machine.iommuGroups();
        List<NodeLabel> l = new ArrayList<>(layout.rows());
        for (TreeLayout.Placed p : layout.nodes()) {
            l.add(switch (p.node()) {
                case TreeNode.HostBridgeNode h -> hostBridgeLabel(h.hostBridge());
                case TreeNode.FunctionNode f -> functionLabel(f.function());
            });
        }
        this.labels = List.copyOf(l);
        this.header = List.copyOf(headerLines());
    }

    /** The model of a machine, with names from {@code ids}. */
    public static ReportModel of(LoadedMachine machine, PciIds ids) {
        return new ReportModel(machine, ids);
    }

    public LoadedMachine machine() {
        return machine;
    }

    public PciTopology topology() {
        return machine.topology();
    }

    public TreeLayout layout() {
        return layout;
    }

    /** The label of a row. */
    public NodeLabel label(int row) {
        return labels.get(row);
    }

    /** The header lines, in order. */
    public List<HeaderLine> header() {
        return header;
    }

    /** The name people know a function by, when any is known. */
    public Optional<String> nameOf(int function) {
        return ids.nameOf(topology().function(function));
    }

    /** The computed IOMMU group of a function, -1 when the IOMMU is off. */
    public int iommuGroupOf(int function) {
        return groups.map(g -> g.groupOf(topology().function(function).address()).orElse(-1)).orElse(-1);
    }

    private NodeLabel hostBridgeLabel(int h) {
        PciTopology t = topology();
        HostBridge hb = t.hostBridges().get(h);
        String dev = t.hostBridgeDevice(h)
                .map(f -> "whitelist checks " + f.address() + " " + f.idText())
                .orElse("no device for the whitelist to check");
        return new NodeLabel(hb.name(), "", "host bridge", dev);
    }

    private NodeLabel functionLabel(int i) {
        PciFunction f = topology().function(i);
        List<String> d = new ArrayList<>();
        d.add(f.portType().label());
        if (f.acs() instanceof AcsState.Present p && dev.p2pdma.pci.Acs.redirects(p.controlBits())) {
            d.add("ACS redirect");
        } else if (f.acs() instanceof AcsState.Unreadable) {
            d.add("ACS control unreadable");
        } else if (f.acs() instanceof AcsState.Unknown && machine.decision().hasAcsRedirect(i)) {
            d.add("ACS unknown, assumed redirect");
        }
        f.driver().ifPresent(d::add);
        f.physfn().ifPresent(pf -> d.add("VF of " + pf));
        f.p2pmem().ifPresent(p -> d.add("p2pmem " + (p.sizeBytes() >> 20) + " MiB"));
        int group = iommuGroupOf(i);
        if (group >= 0) {
            d.add("iommu " + group);
        }
        return new NodeLabel(f.address().toString(), f.idText(), ids.nameOf(f).orElse(""), String.join(" · ", d));
    }

    private List<HeaderLine> headerLines() {
        var m = topology().machine();
        var dec = machine.decision();
        List<HeaderLine> out = new ArrayList<>();
        out.add(new HeaderLine("source", m.source() + m.kernelRelease().map(r -> " (Linux " + r + ")").orElse("")));
        out.add(new HeaderLine("cpu", dec.cpu().map(dev.p2pdma.pci.CpuInfo::describe).orElse("unknown (assumed not an AMD Zen)")
                + (dec.cpuSupportsP2pdma() ? " -> AMD Zen rule: host-bridge paths allowed" : " -> host-bridge paths need the whitelist")));
        if (machine.kernelVersionIsNotBaseline()) {
            out.add(new HeaderLine("rules", "Linux " + machine.kernelVersionText()));
        }
        out.add(new HeaderLine("kernel", m.cmdline().map(c -> c.isEmpty() ? "(empty command line)" : c).orElse("command line unknown")
                + machine.whatIf().map(w -> "   [what-if]").orElse("")));
        String state = machine.iommuActive().map(on -> on ? "on" : "off").orElse("unknown (groups computed as if on)");
        String text = groups.map(g -> state + "; outlined groups are the " + g.size() + " IOMMU groups the kernel would make (computed, spec 5.6)"
                + (m.iommuGroups().isEmpty() || machine.whatIf().isPresent() ? ""
                        : g.samePartitionAs(m.iommuGroups()) ? "; the capture's own groups agree" : "; the capture's own groups DIFFER (see p2pdma groups)"))
                .orElse(state + "; no IOMMU groups");
        out.add(new HeaderLine("iommu", text));
        out.add(new HeaderLine("names", ids.source().map(s -> "vendor and device names from " + s)
                .orElse("no pci.ids database: functions shown by their ids (install Debian's pci.ids or pass --pci-ids FILE)")));
        for (String l : machine.bootLog()) {
            out.add(new HeaderLine("boot", l));
        }
        boolean unknownAcs = topology().functions().stream().anyMatch(f -> f.acs() instanceof AcsState.Unknown);
        if (unknownAcs) {
            out.add(new HeaderLine("acs", "unknown for some functions: assumed "
                    + (dec.options().unknownAcs() == dev.p2pdma.base.UnknownAcsPolicy.REDIRECT ? "redirect" : "no redirect")
                    + " (--assume-acs changes it)"));
        }
        for (String s : machine.assumptions()) {
            out.add(new HeaderLine("note", s));
        }
        return out;
    }
}
