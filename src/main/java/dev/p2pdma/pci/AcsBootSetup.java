package dev.p2pdma.pci;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Models pci_enable_acs(): how the kernel programs each function's ACS Control register once at
 * enumeration (spec 11.3, replacing 1.16). Starting from the firmware value it adds SV, RR, CR and
 * UF (each if the capability lists it; TB too with {@code pci=noats}) when an IOMMU asked for ACS,
 * then rebuilds the register of functions matched by {@code pci=disable_acs_redir=} (RR, CR, EC
 * cleared) and by {@code pci=config_acs=} (per-entry bits), always from the firmware value.
 *
 * <p>A capture holds the registers as the booted kernel left them, not the firmware values. For a
 * what-if ({@code --kernel-param}) the firmware value is estimated by undoing what the booted
 * command line would have done; bits the boot overwrote cannot be recovered and are assumed 0,
 * which {@link Result#assumptions()} says. Stateless; thread-safe.
 */
public final class AcsBootSetup {

    private AcsBootSetup() {
    }

    /**
     * The outcome of a what-if.
     *
     * @param topology    the topology with rewritten ACS control values
     * @param kernelLog   the kernel's "Configured ACS to ..." lines, in scan order
     * @param assumptions what had to be assumed, in words
     */
    public record Result(PciTopology topology, List<String> kernelLog, List<String> assumptions) {
    }

    /**
     * One parsed {@code config_acs} entry: bits and the device it applies to.
     *
     * @param mask     bits the entry sets or clears
     * @param flags    values of those bits
     * @param selector the device part
     */
    private record ConfigAcsEntry(int mask, int flags, PciDeviceSelector selector) {
    }

    /**
     * The registers a kernel booted with {@code wanted} would show, given a topology captured under
     * {@code booted}.
     *
     * @param topology     captured topology (control values as read)
     * @param booted       the captured command line
     * @param bootedIommu  whether the captured kernel had an IOMMU asking for ACS
     * @param wanted       the what-if command line
     * @param wantedIommu  whether the what-if kernel has an IOMMU asking for ACS
     */
    public static Result whatIf(PciTopology topology, KernelCommandLine booted, boolean bootedIommu,
                                KernelCommandLine wanted, boolean wantedIommu) {
        List<String> log = new ArrayList<>();
        List<String> assumptions = new ArrayList<>();
        Lists bootedLists = Lists.of(booted, assumptions, "captured");
        Lists wantedLists = Lists.of(wanted, assumptions, "what-if");
        Map<PciAddress, PciFunction> changed = new HashMap<>();
        boolean unknownSeen = false;
        for (int i : topology.scanOrder()) {
            PciFunction f = topology.function(i);
            if (!(f.acs() instanceof AcsState.Present p)) {
                unknownSeen |= f.acs() instanceof AcsState.Unknown;
                continue;
            }
            int cap = p.capabilityBits();
            int firmware = estimateFirmware(topology, i, p, booted, bootedIommu, bootedLists, assumptions);
            Configured now = configure(topology, i, cap, firmware, wanted, wantedIommu, wantedLists);
            int ctrl = now.control() & (cap & Acs.ALL_BITS);
            if (now.matched()) {
                log.add("pci " + f.address() + ": Configured ACS to " + String.format("0x%04x", now.control()));
            }
            if (ctrl != p.controlBits()) {
                changed.put(f.address(), f.toBuilder().acs(new AcsState.Present(cap, ctrl)).build());
            }
        }
        if (unknownSeen) {
            assumptions.add("functions whose ACS is unknown keep their assumed ACS state; the command line cannot be applied to them");
        }
        return new Result(topology.withFunctions(changed), List.copyOf(log), List.copyOf(assumptions));
    }

    /**
     * The register value the kernel writes for one function.
     *
     * @param control the value written
     * @param matched whether a command-line list matched the function (the kernel then logs it)
     */
    private record Configured(int control, boolean matched) {
    }

    private static Configured configure(PciTopology t, int i, int cap, int firmware, KernelCommandLine cmd, boolean iommu, Lists lists) {
        int ctrl = firmware;
        if (iommu) {
            ctrl |= cap & Acs.IOMMU_DEFAULT_BITS;
            if (cmd.pciFlag("noats")) {
                ctrl |= cap & Acs.TB;
            }
        }
        boolean matched = false;
        if (lists.disableRedir().isPresent() && lists.disableRedir().get().matches(t, i)) {
            ctrl = firmware & ~Acs.REDIRECT_BITS;
            matched = true;
        }
        for (ConfigAcsEntry e : lists.configAcs()) {
            if (e.selector().matches(t, i)) {
                ctrl = (firmware & ~e.mask()) | (e.flags() & e.mask());
                matched = true;
                break;
            }
        }
        return new Configured(ctrl, matched);
    }

    private static int estimateFirmware(PciTopology t, int i, AcsState.Present p, KernelCommandLine booted, boolean bootedIommu,
                                        Lists lists, List<String> assumptions) {
        int cap = p.capabilityBits();
        int read = p.controlBits();
        PciFunction f = t.function(i);
        for (ConfigAcsEntry e : lists.configAcs()) {
            if (e.selector().matches(t, i)) {
                if ((e.mask() & cap) != 0) {
                    assumptions.add(f.address() + ": firmware value of ACS bits " + Acs.bitNames(e.mask() & cap)
                            + " unknown (the captured boot's config_acs overwrote them); assumed 0");
                }
                return read & ~e.mask();
            }
        }
        if (lists.disableRedir().isPresent() && lists.disableRedir().get().matches(t, i)) {
            if ((cap & Acs.REDIRECT_BITS) != 0) {
                assumptions.add(f.address() + ": firmware value of ACS RR/CR/EC unknown (the captured boot's disable_acs_redir cleared them); assumed 0");
            }
            return read & ~Acs.REDIRECT_BITS;
        }
        if (bootedIommu) {
            int added = cap & Acs.IOMMU_DEFAULT_BITS;
            if (booted.pciFlag("noats")) {
                added |= cap & Acs.TB;
            }
            return read & ~added;
        }
        return read;
    }

    /**
     * The two device lists of one command line.
     *
     * @param disableRedir the {@code disable_acs_redir} list, if given
     * @param configAcs    the {@code config_acs} entries, in order, up to the first bad one
     */
    private record Lists(Optional<PciDeviceSelector> disableRedir, List<ConfigAcsEntry> configAcs) {
        static Lists of(KernelCommandLine cmd, List<String> notes, String which) {
            Optional<PciDeviceSelector> dis = cmd.pciOption("disable_acs_redir").map(PciDeviceSelector::parse);
            dis.flatMap(PciDeviceSelector::parseError).ifPresent(bad -> notes.add(
                    "PCI: Can't parse ACS command line parameter (" + which + " disable_acs_redir, at '" + bad + "'): the rest of the list is ignored"));
            List<ConfigAcsEntry> cfg = cmd.pciOption("config_acs").map(v -> parseConfigAcs(v, notes, which)).orElse(List.of());
            return new Lists(dis, cfg);
        }
    }

    /**
     * Parses {@code <bits>@<device>[;<bits>@<device>...]}: bits read right to left from SV,
     * {@code 0}/{@code 1} set the bit, {@code x} keeps the firmware value.
     */
    private static List<ConfigAcsEntry> parseConfigAcs(String value, List<String> notes, String which) {
        List<ConfigAcsEntry> out = new ArrayList<>();
        String rest = value;
        while (!rest.isEmpty()) {
            int at = rest.indexOf('@');
            if (at < 0) {
                notes.add("ACS Flags missing in " + which + " config_acs at '" + rest + "': the rest is ignored");
                break;
            }
            int mask = 0;
            int flags = 0;
            boolean bad = false;
            String bits = rest.substring(0, at);
            for (int k = bits.length() - 1, shift = 0; k >= 0; k--, shift++) {
                char c = bits.charAt(k);
                if (c == '0') {
                    mask |= 1 << shift;
                } else if (c == '1') {
                    mask |= 1 << shift;
                    flags |= 1 << shift;
                } else if (c != 'x' && c != 'X') {
                    bad = true;
                    break;
                }
            }
            if (bad || (mask & ~Acs.ALL_BITS) != 0) {
                notes.add("Invalid ACS flags '" + bits + "' in " + which + " config_acs: the parameter is ignored from there");
                break;
            }
            String devs = rest.substring(at + 1);
            int semi = devs.indexOf(';');
            String dev = semi < 0 ? devs : devs.substring(0, semi);
            PciDeviceSelector sel = PciDeviceSelector.parse(dev);
            if (sel.parseError().isPresent() || sel.entries().isEmpty()) {
                notes.add("PCI: Can't parse ACS command line parameter (" + which + " config_acs, at '" + dev + "')");
                break;
            }
            out.add(new ConfigAcsEntry(mask, flags, sel));
            rest = semi < 0 ? "" : devs.substring(semi + 1);
        }
        return out;
    }

    /** Whether {@code cmd} asks for ACS through an IOMMU, falling back to what was captured. */
    public static boolean iommuWanted(KernelCommandLine cmd, boolean captured) {
        return cmd.iommuRequested().orElse(captured);
    }
}
