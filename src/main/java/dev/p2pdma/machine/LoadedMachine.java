package dev.p2pdma.machine;

import dev.p2pdma.pci.IommuGroups;
import dev.p2pdma.p2pdma.DecisionOptions;
import dev.p2pdma.p2pdma.KernelVersion;
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
     * Reads the input and applies the what-ifs, with the rules of the input's own kernel release
     * (else 6.12): as {@link #load(SourceKind, Path, List, Optional, UnknownAcsPolicy, Optional)}
     * without a version.
     *
     * @throws ImportException          for bad input files
     * @throws IllegalArgumentException for a malformed kernel parameter, naming it
     */
    public static LoadedMachine load(SourceKind kind, Path path, List<String> kernelParams, Optional<CpuInfo> cpu,
                                     UnknownAcsPolicy unknownAcs) throws ImportException {
        return load(kind, path, kernelParams, cpu, unknownAcs, Optional.empty());
    }

    /**
     * Reads the input and applies the what-ifs.
     *
     * @param kernel the kernel version whose rules decide ({@code --kernel-version}); empty for the
     *               input's own release ({@code proc/sys/kernel/osrelease}, also of the live machine),
     *               else 6.12
     * @throws ImportException          for bad input files
     * @throws IllegalArgumentException for a malformed kernel parameter, naming it
     */
    public static LoadedMachine load(SourceKind kind, Path path, List<String> kernelParams, Optional<CpuInfo> cpu,
                                     UnknownAcsPolicy unknownAcs, Optional<KernelVersion> kernel) throws ImportException {
        return boot(read(kind, path), kernelParams, cpu, unknownAcs, kernel);
    }

    /**
     * Reads the input as it was captured, named for outputs ({@link #sourceName}), before any
     * what-if; {@link #boot} then applies them, as often as a caller needs.
     *
     * @throws ImportException for bad input files
     */
    public static PciTopology read(SourceKind kind, Path path) throws ImportException {
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
        return t.withMachine(t.machine().withSource(sourceName(kind, path, t.machine().source())));
    }

    /**
     * Boots an imported topology (in the model) with what-if kernel parameters, as {@link #load}
     * does after reading its input.
     *
     * @throws IllegalArgumentException for a malformed kernel parameter, naming it
     */
    public static LoadedMachine boot(PciTopology imported, List<String> kernelParams, Optional<CpuInfo> cpu, UnknownAcsPolicy unknownAcs) {
        return boot(imported, kernelParams, cpu, unknownAcs, Optional.empty());
    }

    /**
     * Boots an imported topology with what-if kernel parameters under the rules of {@code kernel}
     * (empty: the topology's own release, else 6.12), as {@link #load} does after reading its input.
     *
     * @throws IllegalArgumentException for a malformed kernel parameter, naming it
     */
    public static LoadedMachine boot(PciTopology imported, List<String> kernelParams, Optional<CpuInfo> cpu, UnknownAcsPolicy unknownAcs,
                                     Optional<KernelVersion> kernel) {
        PciTopology t = imported;
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
        Optional<String> release = t.machine().kernelRelease();
        KernelVersion version = kernel.or(() -> release.flatMap(KernelVersion::ofRelease)).orElse(KernelVersion.V6_12);
        if (kernel.isEmpty() && release.isPresent() && KernelVersion.ofRelease(release.get()).isEmpty()) {
            notes.add("kernel release '" + release.get() + "' is not a version the model knows: Linux 6.12 rules used"
                    + " (set --kernel-version to change)");
        }
        P2pDmaDecision d = P2pDmaDecision.of(t, new DecisionOptions(version, cpu, unknownAcs));
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

    /**
     * The kernel version whose rules decide, and where it came from: "6.12 (the input's kernel
     * release 6.12.118-amd64)", "7.4 (--kernel-version; the input's kernel release is 6.12.118-amd64)",
     * "6.12 (default: the input names no kernel release)".
     */
    public String kernelVersionText() {
        KernelVersion k = decision.options().kernel();
        Optional<String> release = topology.machine().kernelRelease();
        if (release.isPresent() && KernelVersion.ofRelease(release.get()).filter(k::equals).isPresent()) {
            return k + " (the input's kernel release " + release.get() + ")";
        }
        if (k.equals(KernelVersion.V6_12)) {
            return k + (release.isEmpty() ? " (default: the input names no kernel release)"
                    : " (default or --kernel-version; the input's kernel release is " + release.get() + ")");
        }
        return k + " (--kernel-version" + release.map(r -> "; the input's kernel release is " + r).orElse("") + ")";
    }

    /** True when the rules are not Linux 6.12's (a later or earlier version, or next). */
    public boolean kernelVersionIsNotBaseline() {
        return !decision.options().kernel().equals(KernelVersion.V6_12);
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
