package dev.p2pdma.cli;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.p2pdma.KernelVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The options every analysing command shares: where the topology comes from and the what-ifs
 * (kernel parameters, CPU, unknown-ACS assumption, kernel version). Filled by picocli; not thread-safe.
 */
public final class InputOptions {

    /** The one input source; the live {@code /sys} when none is given. */
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source = new Source();

    /** Kernel parameters that override the captured command line. */
    @Option(names = "--kernel-param", paramLabel = "KEY=VALUE",
            description = "What-if: replace KEY in the captured kernel command line (e.g. pci=disable_acs_redir=0000:00:04.0); "
                    + "ACS registers are rewritten as the kernel would at boot. Repeatable.")
    List<String> kernelParams = new ArrayList<>();

    /** CPU override for the AMD-Zen rule. */
    @Option(names = "--cpu", paramLabel = "VENDOR:FAMILY",
            description = "Use this CPU for the AMD-Zen rule instead of the captured one (amd:0x17, intel:6, AuthenticAMD:25).")
    String cpu;

    /** What to assume where ACS is unknown. */
    @Option(names = "--assume-acs", paramLabel = "POLICY", defaultValue = "no-redirect",
            description = "Where ACS is unknown (hwloc XML, 64-byte config files): no-redirect (default) or redirect.")
    String assumeAcs;

    /** The kernel version whose rules decide; null for the input's own release. */
    @Option(names = "--kernel-version", paramLabel = "X.Y|next",
            description = "Decide with this kernel version's rules (host-bridge allowlist rows, log lines, providers): MAJOR.MINOR "
                    + "such as 6.12 or 7.4, a release such as 6.12.118-amd64, or 'next' for the in-review material. "
                    + "Default: the input's kernel release (the live machine's own under /sys), else 6.12.")
    String kernelVersion;

    /** The input source choices. */
    static final class Source {
        /** A sysfs root, capture directory or tarball. */
        @Option(names = "--sysfs", paramLabel = "DIR|TAR", description = "Live /sys (default), a captured copy as a directory, or a .tar.gz/.tar.bz2 capture.")
        Path sysfs;

        /** An hwloc XML file. */
        @Option(names = "--hwloc", paramLabel = "FILE", description = "hwloc XML (lstopo --of xml), v1 or v2.")
        Path hwloc;

        /** An lspci dump. */
        @Option(names = "--lspci", paramLabel = "FILE", description = "Text of lspci -xxxx / -xxx (or -vvv).")
        Path lspci;

        /** Our YAML/JSON topology file. */
        @Option(names = "--topology", paramLabel = "FILE", description = "A p2pdma topology file (YAML or JSON, as 'p2pdma topo --format yaml' writes).")
        Path topology;
    }

    /** The unknown-ACS policy, or an error naming the flag. */
    UnknownAcsPolicy unknownAcsPolicy() {
        return switch (assumeAcs) {
            case "no-redirect" -> UnknownAcsPolicy.NO_REDIRECT;
            case "redirect" -> UnknownAcsPolicy.REDIRECT;
            default -> throw new UsageError("--assume-acs must be 'no-redirect' or 'redirect', got '" + assumeAcs + "'");
        };
    }

    /** The --cpu value, parsed. */
    Optional<dev.p2pdma.pci.CpuInfo> cpuOverride() {
        if (cpu == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(dev.p2pdma.pci.CpuInfo.parseFlag(cpu));
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    /** The --kernel-version value, parsed; empty when not given. */
    Optional<KernelVersion> kernelVersion() {
        return parseKernelVersion(kernelVersion);
    }

    /** A --kernel-version value (null when not given), parsed; a bad one is a usage error. */
    static Optional<KernelVersion> parseKernelVersion(String kernelVersion) {
        if (kernelVersion == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(KernelVersion.parse(kernelVersion));
        } catch (IllegalArgumentException e) {
            throw new UsageError("--kernel-version: " + e.getMessage());
        }
    }

    /** Loads the input these options name and applies the what-ifs (kernel parameters, CPU, ACS assumption). */
    LoadedMachine load() throws ImportException {
        return boot(read(), List.of());
    }

    /** Reads the input these options name, as captured: no what-if applied yet. */
    PciTopology read() throws ImportException {
        LoadedMachine.SourceKind kind = source.hwloc != null ? LoadedMachine.SourceKind.HWLOC
                : source.lspci != null ? LoadedMachine.SourceKind.LSPCI
                : source.topology != null ? LoadedMachine.SourceKind.TOPOLOGY : LoadedMachine.SourceKind.SYSFS;
        Path path = source.hwloc != null ? source.hwloc : source.lspci != null ? source.lspci : source.topology != null ? source.topology
                : source.sysfs == null ? Path.of("/sys") : source.sysfs;
        try {
            return LoadedMachine.read(kind, path);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    /**
     * Boots a topology {@link #read} gave with the what-ifs, and {@code extraParams} after the
     * {@code --kernel-param} values as if they had been given last (for {@code p2pdma fix}, which
     * checks its proposals this way without reading the input again).
     */
    LoadedMachine boot(PciTopology imported, List<String> extraParams) {
        try {
            List<String> params = new ArrayList<>(kernelParams);
            params.addAll(extraParams);
            return LoadedMachine.boot(imported, params, cpuOverride(), unknownAcsPolicy(), kernelVersion());
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }
}
