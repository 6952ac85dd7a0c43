package dev.p2pdma.cli;

import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.runtime.NcclLevel;
import dev.p2pdma.runtime.RuntimeOptions;
import dev.p2pdma.runtime.RuntimeVerdicts;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The runtime settings the commands that show runtime decisions share ({@code explain},
 * {@code matrix}, {@code report}). Filled by picocli; not thread-safe (one run).
 */
final class RuntimeOption {

    /** {@code NCCL_P2P_LEVEL} as typed, when given. */
    @Option(names = "--nccl-p2p-level", paramLabel = "LEVEL",
            description = "NCCL_P2P_LEVEL for the NCCL line: LOC, NVL, PIX, PXB, PHB, SYS, an old number 0-5, or 'disable' (NCCL_P2P_DISABLE=1). "
                    + "Default: NCCL's own (PXB; SYS on an AMD CPU with at most 2 GPUs).")
    String ncclP2pLevel;

    /** The options as the runtime package takes them. */
    RuntimeOptions options() {
        if (ncclP2pLevel == null) {
            return RuntimeOptions.defaults();
        }
        Optional<NcclLevel> l = NcclLevel.parse(ncclP2pLevel);
        if (l.isEmpty()) {
            throw new UsageError("--nccl-p2p-level must be LOC, NVL, PIX, PXB, PHB, SYS, a number 0-5 or disable, got '"
                    + TerminalText.printable(ncclP2pLevel) + "'");
        }
        return new RuntimeOptions(l);
    }

    /** The runtimes' view of {@code machine} with these settings. */
    RuntimeVerdicts verdicts(LoadedMachine machine) {
        return RuntimeVerdicts.of(machine, options());
    }
}
