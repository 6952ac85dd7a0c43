package dev.p2pdma.cli;

import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.sim.LoadedMachine;
import java.nio.file.Path;
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
        InputOptions.Source s = in.source;
        LoadedMachine.SourceKind kind = s.hwloc != null ? LoadedMachine.SourceKind.HWLOC
                : s.lspci != null ? LoadedMachine.SourceKind.LSPCI
                : s.topology != null ? LoadedMachine.SourceKind.TOPOLOGY : LoadedMachine.SourceKind.SYSFS;
        Path path = s.hwloc != null ? s.hwloc : s.lspci != null ? s.lspci : s.topology != null ? s.topology
                : s.sysfs == null ? Path.of("/sys") : s.sysfs;
        LoadedMachine m;
        try {
            m = LoadedMachine.load(kind, path, in.kernelParams, in.cpuOverride(), in.unknownAcsPolicy());
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
        return new Analysis(m.topology(), m.decision(), m.assumptions(), m.bootLog(), m.whatIf());
    }
}
