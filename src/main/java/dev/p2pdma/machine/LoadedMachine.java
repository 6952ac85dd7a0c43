package dev.p2pdma.machine;

import dev.p2pdma.pci.IommuGroups;
import dev.p2pdma.p2pdma.DecisionOptions;
import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.pci.AcsBootSetup;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.KernelCommandLine;
import dev.p2pdma.pci.KernelConfig;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.TopologyException;
import dev.p2pdma.pci.VirtualMachineEvidence;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.pci.io.Importers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A machine read from one input and booted (in the model) with any what-if kernel parameters:
 * the topology the decision uses, the decision, and every assumption and boot-log line that came
 * with it. Shared by the analyser commands and the scenarios. Immutable.
 *
 * @param topology    the topology (ACS rewritten for what-if parameters)
 * @param decision    the P2PDMA decision over it
 * @param assumptions what was assumed, in words
 * @param bootLog     the kernel's "Configured ACS" lines of a what-if boot
 * @param whatIf      the what-if command line, when parameters were given
 */
public record LoadedMachine(PciTopology topology, P2pDmaDecision decision, List<String> assumptions, List<String> bootLog,
                            Optional<String> whatIf) {

    /** The kinds of input. */
    public enum SourceKind {
        /** Live sysfs, a capture directory or tarball. */
        SYSFS,
        /** hwloc XML. */
        HWLOC,
        /** An lspci dump. */
        LSPCI,
        /** Our topology file. */
        TOPOLOGY
    }

    /**
     * Reads the input and applies the what-ifs.
     *
     * @throws ImportException          for bad input files
     * @throws IllegalArgumentException for a malformed kernel parameter, naming it
     */
    public static LoadedMachine load(SourceKind kind, Path path, List<String> kernelParams, Optional<CpuInfo> cpu,
                                     UnknownAcsPolicy unknownAcs) throws ImportException {
        PciTopology t;
        try {
            t = switch (kind) {
                case SYSFS -> Importers.sysfs(path);
                case HWLOC -> Importers.hwloc(path);
                case LSPCI -> Importers.lspci(path);
                case TOPOLOGY -> Importers.topologyFile(path);
            };
        } catch (TopologyException e) {
            throw new ImportException(path + ": " + e.getMessage(), e);
        }
        t = t.withMachine(t.machine().withSource(sourceName(kind, path, t.machine().source())));
        List<String> notes = new ArrayList<>(whereTheAnswerComesFrom(t));
        notes.addAll(t.machine().notes());
        List<String> bootLog = new ArrayList<>();
        Optional<String> whatIf = Optional.empty();
        if (!kernelParams.isEmpty()) {
            KernelCommandLine booted = KernelCommandLine.parse(t.machine().cmdline().orElse(""));
            if (t.machine().cmdline().isEmpty()) {
                notes.add("kernel command line unknown: the what-if starts from an empty one");
            }
            KernelCommandLine wanted = booted;
            for (String kv : kernelParams) {
                wanted = wanted.withOverride(kv);
            }
            boolean bootedIommu = t.machine().iommuActive().orElseGet(() -> booted.iommuRequested().orElse(false));
            if (t.machine().iommuActive().isEmpty()) {
                notes.add("IOMMU state unknown: assumed " + (bootedIommu ? "on" : "off") + " at capture");
            }
            AcsBootSetup.Result r = AcsBootSetup.whatIf(t, booted, bootedIommu, wanted, AcsBootSetup.iommuWanted(wanted, bootedIommu));
            t = r.topology().withMachine(r.topology().machine().withCmdline(Optional.of(wanted.toString())));
            notes.addAll(r.assumptions());
            bootLog.addAll(r.kernelLog());
            whatIf = Optional.of(wanted.toString());
        }
        P2pDmaDecision d = P2pDmaDecision.of(t, new DecisionOptions(Era.SG, cpu, unknownAcs));
        notes.addAll(d.assumptions());
        return new LoadedMachine(t, d, List.copyOf(notes), List.copyOf(bootLog), whatIf);
    }

    /**
     * The notes that qualify every verdict, first of all: a virtual machine's tree is the guest's
     * ({@link VirtualMachineEvidence}), and a kernel built without CONFIG_PCI_P2PDMA does no P2PDMA at
     * all ({@link KernelConfig}). An unknown configuration gets no note.
     */
    static List<String> whereTheAnswerComesFrom(PciTopology t) {
        List<String> notes = new ArrayList<>(2);
        VirtualMachineEvidence.of(t).note().ifPresent(notes::add);
        t.machine().platform().kernelConfig().flatMap(KernelConfig::note).ifPresent(notes::add);
        return notes;
    }

    /**
     * What outputs call the input: never empty. A topology file is named by its path, beside the
     * source it records ("m.yaml (made from sysfs capture foo.tar.gz)"); other inputs by the
     * importer's own words, or the path when those are blank.
     */
    static String sourceName(SourceKind kind, Path path, String recorded) {
        String made = recorded.strip();
        if (kind == SourceKind.TOPOLOGY) {
            return made.isEmpty() ? path.toString() : path + " (made from " + made + ")";
        }
        return made.isEmpty() ? path.toString() : recorded;
    }

    /** Whether the booted (or what-if) kernel has an IOMMU, when the input says: a what-if's iommu parameter wins over the capture. */
    public Optional<Boolean> iommuActive() {
        Optional<Boolean> captured = topology.machine().iommuActive();
        if (whatIf.isEmpty()) {
            return captured;
        }
        return KernelCommandLine.parse(whatIf.get()).iommuRequested().or(() -> captured);
    }

    /** The IOMMU groups the kernel would make (spec 5.6): computed unless the IOMMU is known to be off. */
    public Optional<IommuGroups> iommuGroups() {
        if (!iommuActive().orElse(true)) {
            return Optional.empty();
        }
        return Optional.of(IommuGroups.compute(topology, decision.options().unknownAcs()));
    }
}
