package dev.p2pdma.cli;

import dev.p2pdma.pci.IommuGroups;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.MachineInfo;
import java.io.PrintWriter;

/**
 * The lines every text report starts with: the source, the CPU rule, the kernel version whose rules
 * decide (only when it is not 6.12, the baseline), the command line, the assumptions; every line passes through {@link TerminalText}, so text from the input is shown escaped.
 */
final class Header {

    private Header() {
    }

    static void write(LoadedMachine a, PrintWriter stream) {
        PrintWriter out = TerminalText.writer(stream);
        MachineInfo m = a.topology().machine();
        out.println("source: " + m.source() + m.kernelRelease().map(r -> " (Linux " + r + ")").orElse(""));
        out.println("cpu:    " + a.decision().cpu().map(CpuInfo::describe).orElse("unknown")
                + (a.decision().cpuSupportsP2pdma() ? " -> AMD Zen rule: host-bridge paths allowed" : " -> host-bridge paths need the whitelist"));
        if (a.kernelVersionIsNotBaseline()) {
            out.println("rules:  Linux " + a.kernelVersionText());
        }
        out.println("kernel: " + m.cmdline().map(c -> c.isEmpty() ? "(empty command line)" : c).orElse("command line unknown")
                + a.whatIf().map(w -> "   [what-if]").orElse(""));
        out.println("iommu:  " + a.iommuActive().map(on -> on ? "on (" + a.iommuGroups().map(IommuGroups::size).orElse(0) + " groups)" : "off").orElse("unknown"));
        for (String l : a.bootLog()) {
            out.println("boot:   " + l);
        }
        for (String s : a.assumptions()) {
            out.println("note:   " + s);
        }
        out.flush();
    }
}
