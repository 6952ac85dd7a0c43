package dev.p2pdma.cli;

import dev.p2pdma.p2pdma.DecisionOptions;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.AcsBootSetup;
import dev.p2pdma.pci.KernelCommandLine;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.TopologyException;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.pci.io.Importers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A loaded machine ready to be asked: the topology after any what-if, the decision, and every
 * assumption and boot-log line that came with it. Immutable.
 *
 * @param topology    the topology the decision uses (ACS rewritten for --kernel-param)
 * @param decision    the P2PDMA decision over it
 * @param assumptions what was assumed, in words (importer notes, what-if estimates, CPU, ACS)
 * @param bootLog     the kernel's "Configured ACS" lines of a what-if boot
 * @param whatIf      the what-if command line, when --kernel-param was given
 */
record Analysis(PciTopology topology, P2pDmaDecision decision, List<String> assumptions, List<String> bootLog,
                Optional<String> whatIf) {

    /** Loads the input the options name and applies the what-ifs. */
    static Analysis load(InputOptions in) throws ImportException {
        PciTopology t = read(in);
        List<String> notes = new ArrayList<>(t.machine().notes());
        List<String> bootLog = new ArrayList<>();
        Optional<String> whatIf = Optional.empty();
        if (!in.kernelParams.isEmpty()) {
            KernelCommandLine booted = KernelCommandLine.parse(t.machine().cmdline().orElse(""));
            if (t.machine().cmdline().isEmpty()) {
                notes.add("kernel command line unknown: the what-if starts from an empty one");
            }
            KernelCommandLine wanted = booted;
            for (String kv : in.kernelParams) {
                try {
                    wanted = wanted.withOverride(kv);
                } catch (IllegalArgumentException e) {
                    throw new UsageError(e.getMessage());
                }
            }
            boolean bootedIommu = t.machine().iommuActive().orElseGet(() -> booted.iommuRequested().orElse(false));
            if (t.machine().iommuActive().isEmpty()) {
                notes.add("IOMMU state unknown: assumed " + (bootedIommu ? "on" : "off") + " at capture");
            }
            boolean wantedIommu = AcsBootSetup.iommuWanted(wanted, bootedIommu);
            AcsBootSetup.Result r = AcsBootSetup.whatIf(t, booted, bootedIommu, wanted, wantedIommu);
            t = r.topology().withMachine(r.topology().machine().withCmdline(Optional.of(wanted.toString())));
            notes.addAll(r.assumptions());
            bootLog.addAll(r.kernelLog());
            whatIf = Optional.of(wanted.toString());
        }
        DecisionOptions opts = new DecisionOptions(dev.p2pdma.p2pdma.Era.SG, in.cpuOverride(), in.unknownAcsPolicy());
        P2pDmaDecision d = P2pDmaDecision.of(t, opts);
        notes.addAll(d.assumptions());
        return new Analysis(t, d, List.copyOf(notes), List.copyOf(bootLog), whatIf);
    }

    private static PciTopology read(InputOptions in) throws ImportException {
        InputOptions.Source s = in.source;
        try {
            if (s.hwloc != null) {
                return Importers.hwloc(s.hwloc);
            }
            if (s.lspci != null) {
                return Importers.lspci(s.lspci);
            }
            if (s.topology != null) {
                return Importers.topologyFile(s.topology);
            }
            return Importers.sysfs(s.sysfs == null ? Path.of("/sys") : s.sysfs);
        } catch (TopologyException e) {
            throw new ImportException(e.getMessage(), e);
        }
    }
}
