package dev.p2pdma.machine;

import dev.p2pdma.p2pdma.DecisionOptions;
import dev.p2pdma.p2pdma.HostBridgeWhitelist;
import dev.p2pdma.p2pdma.KernelVersion;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.IommuGroups;
import dev.p2pdma.pci.KernelCommandLine;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciDeviceSelector;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Plans the smallest kernel command-line change that makes peer-to-peer pairs work (spec 1.9,
 * 1.16 as corrected by 11.3, 5.6): the ACS redirect bits (RR, CR, EC) that send a pair's traffic
 * up to the root complex are cleared on exactly the ports the kernel's own hint names, with
 * {@code pci=disable_acs_redir=} or, for a port an existing {@code pci=config_acs=} entry already
 * matches (that list wins over the other), a {@code config_acs} entry placed first. Every proposal
 * is checked by booting the machine with it, as {@code --kernel-param} does, so the map type and
 * IOMMU groups it promises are the model's own answer, and its security cost is read off the
 * groups: the functions whose group gains members lose isolation.
 *
 * <p>Parameters cannot help a pair whose route has no common upstream device (it must cross a
 * host bridge); the plan then says what would. Stateless; thread-safe when {@code bootWith} is.
 */
public final class AcsFixPlanner {

    /** The AMD Zen CPU that cpu_supports_p2pdma() accepts, for the "what would" test. */
    private static final CpuInfo AMD_ZEN = new CpuInfo(CpuInfo.AMD, HostBridgeWhitelist.AMD_ZEN_FAMILY, "AMD Zen");
    /** The kernel parameter that carries every PCI option. */
    private static final String PCI = "pci";

    private AcsFixPlanner() {
    }

    /**
     * The fix for one pair.
     *
     * @param now           the verdict on the machine as given
     * @param fixable       whether the pair is P2P-capable with {@link #kernelParams} (true, with no
     *                      parameters, when it already is and nothing makes it better)
     * @param kernelParams  the parameters to boot with ({@code pci=...}, the whole token), empty when none helps or none is needed
     * @param after         the map type with those parameters (the current one when there are none)
     * @param cleared       the ports whose ACS redirect the parameters clear, with their control register before and after
     * @param groupsBefore  the IOMMU groups now; empty when the IOMMU is off
     * @param groupsAfter   the IOMMU groups with the parameters; empty when the IOMMU is off
     * @param loseIsolation functions whose IOMMU group gains members, sorted
     * @param why           the reasons, in words
     */
    public record PairFix(P2pVerdict now, boolean fixable, List<String> kernelParams, MapType after, List<ClearedPort> cleared,
                          SortedMap<Integer, List<PciAddress>> groupsBefore, SortedMap<Integer, List<PciAddress>> groupsAfter,
                          List<PciAddress> loseIsolation, List<String> why) {
        public PairFix {
            kernelParams = List.copyOf(kernelParams);
            cleared = List.copyOf(cleared);
            groupsBefore = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(groupsBefore));
            groupsAfter = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(groupsAfter));
            loseIsolation = List.copyOf(loseIsolation);
            why = List.copyOf(why);
        }
    }

    /**
     * One port whose ACS Control register a proposal rewrites.
     *
     * @param address      the port
     * @param controlNow   its ACS Control value now
     * @param controlAfter its value with the proposal
     * @param list         which command-line list rewrites it: {@code disable_acs_redir} or {@code config_acs}
     */
    public record ClearedPort(PciAddress address, int controlNow, int controlAfter, String list) {
    }

    /**
     * Every pair's fix and the one command line that serves them all.
     *
     * @param pairs         per pair, in the order asked
     * @param kernelParams  the union of the pairs' parameters, one {@code pci=} token; empty when no pair needs one
     * @param afterAll      each pair's map type with {@link #kernelParams}, in the order asked
     * @param loseIsolation functions whose IOMMU group gains members with {@link #kernelParams}
     * @param currentPci    the {@code pci=} parameters on the command line now, which {@link #kernelParams} replaces
     */
    public record Plan(List<PairFix> pairs, List<String> kernelParams, List<MapType> afterAll, List<PciAddress> loseIsolation,
                       List<String> currentPci) {
        public Plan {
            pairs = List.copyOf(pairs);
            kernelParams = List.copyOf(kernelParams);
            afterAll = List.copyOf(afterAll);
            loseIsolation = List.copyOf(loseIsolation);
            currentPci = List.copyOf(currentPci);
        }

        /** Whether every pair is P2P-capable with {@link #kernelParams}. */
        public boolean allCapable() {
            return afterAll.stream().allMatch(t -> t != MapType.NOT_SUPPORTED);
        }
    }

    /**
     * Plans the fixes.
     *
     * @param now      the machine as given (its command line already holds any what-if)
     * @param bootWith boots the same input with extra {@code --kernel-param} values on top of those already given
     * @param pairs    (provider index, client index) pairs of {@code now.topology()}
     */
    public static Plan plan(LoadedMachine now, Function<List<String>, LoadedMachine> bootWith, List<int[]> pairs) {
        PciTopology t = now.topology();
        KernelCommandLine cmd = KernelCommandLine.parse(t.machine().cmdline().orElse(""));
        SortedMap<Integer, List<PciAddress>> before = groups(now);
        List<PairFix> fixes = new ArrayList<>();
        Set<Integer> allOffenders = new TreeSet<>();
        for (int[] pair : pairs) {
            P2pVerdict v = now.decision().verdict(pair[0], pair[1]);
            fixes.add(planPair(now, bootWith, cmd, before, pair, v, allOffenders));
        }
        List<String> params = allOffenders.isEmpty() ? List.of() : List.of(pciToken(t, cmd, allOffenders));
        List<MapType> afterAll = new ArrayList<>();
        List<PciAddress> lose = List.of();
        if (params.isEmpty()) {
            fixes.forEach(f -> afterAll.add(f.after()));
        } else {
            LoadedMachine booted = bootWith.apply(params);
            for (int[] pair : pairs) {
                afterAll.add(booted.decision().verdict(indexIn(booted, t, pair[0]), indexIn(booted, t, pair[1])).mapType());
            }
            lose = loseIsolation(before, groups(booted));
        }
        List<String> currentPci = cmd.tokens().stream().filter(tok -> tok.startsWith(PCI + "=")).toList();
        return new Plan(fixes, params, afterAll, lose, currentPci);
    }

    private static PairFix planPair(LoadedMachine now, Function<List<String>, LoadedMachine> bootWith, KernelCommandLine cmd,
                                    SortedMap<Integer, List<PciAddress>> before, int[] pair, P2pVerdict v, Set<Integer> allOffenders) {
        PciTopology t = now.topology();
        List<String> why = new ArrayList<>();
        if (v.mapType() == MapType.BUS_ADDR) {
            why.add("already BUS_ADDR: nothing to change");
            return unchanged(v, true, before, why);
        }
        if (v.commonUpstream().isEmpty()) {
            why.add(v.mapType() == MapType.THRU_HOST_BRIDGE
                    ? "already P2P-capable through the host bridge; no kernel parameter makes it BUS_ADDR: the two share no upstream switch or port"
                    : "no kernel parameter can help: the route must cross the host bridge (" + String.join(" and ", hostBridgesOf(v, t)) + ")"
                    + ", which the kernel does not allow for peer-to-peer DMA");
            if (v.mapType() == MapType.NOT_SUPPORTED) {
                why.addAll(whatWould(now, pair, v));
            }
            return unchanged(v, v.mapType() != MapType.NOT_SUPPORTED, before, why);
        }
        List<Integer> offenders = v.acsRedirecting().stream().map(t::indexOf).toList();
        List<Integer> unknown = offenders.stream().filter(i -> !(t.function(i).acs() instanceof AcsState.Present)).toList();
        if (!unknown.isEmpty()) {
            why.add("ACS of " + unknown.stream().map(i -> t.function(i).address().toString()).toList()
                    + " is not known from this input or its control register is unreadable (it counts as redirecting): no parameter can be"
                    + " checked; capture sysfs as root to see the registers");
            return unchanged(v, v.mapType() != MapType.NOT_SUPPORTED, before, why);
        }
        String param = pciToken(t, cmd, offenders);
        LoadedMachine booted = bootWith.apply(List.of(param));
        P2pVerdict after = booted.decision().verdict(indexIn(booted, t, pair[0]), indexIn(booted, t, pair[1]));
        List<ClearedPort> cleared = new ArrayList<>();
        for (int i : offenders) {
            PciFunction f = t.function(i);
            int ctrlNow = ((AcsState.Present) f.acs()).controlBits();
            int ctrlAfter = booted.topology().function(f.address()).map(g -> g.acs() instanceof AcsState.Present p ? p.controlBits() : ctrlNow)
                    .orElse(ctrlNow);
            cleared.add(new ClearedPort(f.address(), ctrlNow, ctrlAfter, listOf(t, cmd, i)));
        }
        why.add("ACS redirect (" + String.join(", ", redirectNames(t, offenders)) + ") sends the pair's requests up to the root complex"
                + (v.mapType() == MapType.NOT_SUPPORTED ? ", whose host bridge the kernel does not allow" : " (THRU_HOST_BRIDGE)")
                + "; P2P redirect reads RR, CR and EC, so clearing them on " + (offenders.size() == 1 ? "that port" : "those ports")
                + " lets the switch or port route the pair directly");
        if (v.mapType() == MapType.THRU_HOST_BRIDGE) {
            why.add("the pair already works through the host bridge without a change; the parameter makes it BUS_ADDR (no trip through "
                    + "the root complex or the IOMMU) at the cost below");
        }
        SortedMap<Integer, List<PciAddress>> afterGroups = groups(booted);
        List<PciAddress> lose = loseIsolation(before, afterGroups);
        if (before.isEmpty() && afterGroups.isEmpty()) {
            why.add("the IOMMU is off: there are no IOMMU groups, so no isolation to lose");
        } else if (lose.isEmpty()) {
            why.add("no IOMMU group changes");
        } else {
            why.add("IOMMU isolation requires SV, RR, CR and UF on every port up to the root; without RR and CR "
                    + String.join(", ", lose.stream().map(PciAddress::toString).toList())
                    + " share a group with devices they were isolated from: those can reach each other's memory without the IOMMU "
                    + "checking, and vfio can assign them only together");
        }
        boolean fixable = after.mapType() != MapType.NOT_SUPPORTED;
        if (after.mapType() != MapType.BUS_ADDR) {
            why.add("with the parameter the kernel still says " + after.mapType() + ": " + String.join("; ", after.reasons()));
        }
        if (!fixable) {
            why.addAll(whatWould(now, pair, v));
        }
        offenders.forEach(allOffenders::add);
        return new PairFix(v, fixable, List.of(param), after.mapType(), cleared, before, afterGroups, lose, why);
    }

    private static PairFix unchanged(P2pVerdict v, boolean fixable, SortedMap<Integer, List<PciAddress>> before, List<String> why) {
        return new PairFix(v, fixable, List.of(), v.mapType(), List.of(), before, before, List.of(), why);
    }

    /** What would make a pair that no parameter helps work: the tree, the CPU rule, the allowlist. */
    private static List<String> whatWould(LoadedMachine now, int[] pair, P2pVerdict v) {
        List<String> out = new ArrayList<>();
        out.add("what would: both devices below one PCIe switch (or one root port) whose ports do not redirect, which makes it BUS_ADDR");
        DecisionOptions amd = now.decision().options().withCpu(AMD_ZEN);
        MapType withAmd = P2pDmaDecision.of(now.topology(), amd).verdict(pair[0], pair[1]).mapType();
        if (withAmd != MapType.NOT_SUPPORTED && !HostBridgeWhitelist.cpuSupportsP2pdma(now.decision().cpu())) {
            out.add("what would: an AMD Zen CPU (family 0x17 or later), which the kernel trusts for every host-bridge path: " + withAmd
                    + " (try --cpu amd:0x17)");
        }
        PciTopology t = now.topology();
        int hp = t.hostBridgeIndexOf(pair[0]);
        int hc = t.hostBridgeIndexOf(pair[1]);
        KernelVersion running = now.decision().options().kernel();
        Set<KernelVersion> newer = new TreeSet<>();
        for (int h : hp == hc ? new int[]{hp} : new int[]{hp, hc}) {
            t.hostBridgeDevice(h).flatMap(d -> HostBridgeWhitelist.firstVersionAdmitting(d.vendorId(), d.deviceId(), hp == hc))
                    .filter(k -> !running.atLeast(k)).ifPresent(newer::add);
        }
        if (!newer.isEmpty()) {
            KernelVersion k = java.util.Collections.max(newer);
            MapType withNewer = P2pDmaDecision.of(t, now.decision().options().withKernel(k)).verdict(pair[0], pair[1]).mapType();
            if (withNewer != MapType.NOT_SUPPORTED) {
                out.add("what would: Linux " + k + " or later, whose host-bridge allowlist has this host bridge: " + withNewer
                        + " (try --kernel-version " + k + ")");
            }
        }
        out.add("what would: a host bridge in the kernel's allowlist (Intel Xeon since Ice Lake, 8086:09a2, and older Xeon root ports; "
                + "see README, Kernels after 6.12)");
        return out;
    }

    /** The host bridges a verdict's route crosses, by name. */
    private static List<String> hostBridgesOf(P2pVerdict v, PciTopology t) {
        Set<String> out = new LinkedHashSet<>();
        out.add(t.hostBridgeOf(t.indexOf(v.provider())).name());
        out.add(t.hostBridgeOf(t.indexOf(v.client())).name());
        return List.copyOf(out);
    }

    /** "0000:00:04.0 RR CR" per port: the redirect bits set on each. */
    private static List<String> redirectNames(PciTopology t, List<Integer> offenders) {
        return offenders.stream().map(i -> {
            PciFunction f = t.function(i);
            int ctrl = ((AcsState.Present) f.acs()).controlBits();
            return f.address() + " " + String.join(" ", Acs.bitNames(ctrl & Acs.REDIRECT_BITS));
        }).toList();
    }

    /**
     * The one {@code pci=} token that clears RR, CR and EC on {@code ports} and keeps every other
     * PCI option of the command line: ports an existing {@code config_acs} entry matches get a
     * {@code config_acs} entry of their own, placed first (the first matching entry wins); the
     * others join {@code disable_acs_redir}. Device lists use {@code ;} because {@code ,} separates
     * PCI options.
     */
    static String pciToken(PciTopology t, KernelCommandLine cmd, Iterable<Integer> ports) {
        List<String> options = new ArrayList<>(cmd.pciOptions());
        Optional<String> disable = cmd.pciOption("disable_acs_redir");
        Optional<String> config = cmd.pciOption("config_acs");
        Optional<PciDeviceSelector> disableSel = disable.map(PciDeviceSelector::parse);
        List<String> addDisable = new ArrayList<>();
        List<String> addConfig = new ArrayList<>();
        for (int i : ports) {
            PciFunction f = t.function(i);
            Optional<String> entry = config.flatMap(c -> matchingConfigEntry(t, c, i));
            if (entry.isPresent()) {
                addConfig.add(clearRedirect(entry.get().substring(0, entry.get().indexOf('@'))) + "@" + f.address());
            } else if (disableSel.isEmpty() || !disableSel.get().matches(t, i)) {
                addDisable.add(f.address().toString());
            }
        }
        options.removeIf(o -> o.startsWith("disable_acs_redir=") || o.startsWith("config_acs="));
        List<String> disableList = new ArrayList<>();
        disable.filter(d -> !d.isEmpty()).ifPresent(disableList::add);
        disableList.addAll(addDisable);
        if (!disableList.isEmpty()) {
            options.add("disable_acs_redir=" + String.join(";", disableList));
        }
        List<String> configList = new ArrayList<>(addConfig);
        config.filter(c -> !c.isEmpty()).ifPresent(configList::add);
        if (!configList.isEmpty()) {
            options.add("config_acs=" + String.join(";", configList));
        }
        return PCI + "=" + String.join(",", options);
    }

    /** Which list a proposal uses for a port. */
    private static String listOf(PciTopology t, KernelCommandLine cmd, int i) {
        return cmd.pciOption("config_acs").flatMap(c -> matchingConfigEntry(t, c, i)).isPresent() ? "config_acs" : "disable_acs_redir";
    }

    /** The first {@code bits@device} entry of a {@code config_acs} value that matches a function. */
    private static Optional<String> matchingConfigEntry(PciTopology t, String configAcs, int i) {
        for (String e : configAcs.split(";")) {
            int at = e.indexOf('@');
            if (at > 0 && PciDeviceSelector.parse(e.substring(at + 1)).matches(t, i)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** A {@code config_acs} bit string with RR, CR and EC forced to 0 and the other bits as they were. */
    static String clearRedirect(String bits) {
        StringBuilder b = new StringBuilder(bits);
        while (b.length() < 7) {
            b.insert(0, 'x');
        }
        for (int bit : new int[]{2, 3, 5}) {
            b.setCharAt(b.length() - 1 - bit, '0');
        }
        return b.toString();
    }

    /** A function's index in a rebooted machine (same functions, same addresses). */
    private static int indexIn(LoadedMachine booted, PciTopology original, int index) {
        return booted.topology().indexOf(original.function(index).address());
    }

    /** The IOMMU groups of a machine; empty when the IOMMU is off. */
    private static SortedMap<Integer, List<PciAddress>> groups(LoadedMachine m) {
        return m.iommuGroups().map(IommuGroups::groups).orElseGet(TreeMap::new);
    }

    /** Functions whose group gains a member they were not grouped with before, sorted. */
    static List<PciAddress> loseIsolation(SortedMap<Integer, List<PciAddress>> before, SortedMap<Integer, List<PciAddress>> after) {
        Map<PciAddress, Set<PciAddress>> mates = matesOf(before);
        Set<PciAddress> out = new TreeSet<>();
        matesOf(after).forEach((a, m) -> {
            if (!mates.getOrDefault(a, Set.of(a)).containsAll(m)) {
                out.add(a);
            }
        });
        return List.copyOf(out);
    }

    private static Map<PciAddress, Set<PciAddress>> matesOf(SortedMap<Integer, List<PciAddress>> groups) {
        Map<PciAddress, Set<PciAddress>> out = new java.util.HashMap<>();
        for (List<PciAddress> g : groups.values()) {
            Set<PciAddress> s = Set.copyOf(g);
            g.forEach(a -> out.put(a, s));
        }
        return out;
    }
}
