package dev.p2pdma.p2pdma;

import dev.p2pdma.base.KernelLog;
import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.KernelConfig;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Models calc_map_type_and_dist() with host_bridge_whitelist() and pci_p2pdma_distance_many()
 * (spec 1.7-1.12, era SG): the map type and distance Linux computes for a provider and a client
 * from the PCI tree, the ACS redirect bits on the path, the host-bridge whitelist and the AMD-Zen
 * CPU rule.
 *
 * <p>The story, as the kernel tells it: walk up from the provider; for each device on that chain
 * look for it on the client's chain. The first hit is the nearest common upstream device and the
 * distance is the steps up plus the steps down. ACS is examined on the provider's chain up to and
 * including that device and on the client's chain below it; any RR, CR or EC bit there, or no
 * common device at all, sends the traffic through the host bridge, which the CPU rule or the
 * whitelist must allow. The walk is done here with precomputed chain lengths and redirect counts,
 * which gives the same answer as the kernel's nested loops in O(depth) without allocation.
 *
 * <p>Which ports' ACS counts is the era's {@link AcsPathRule}: every port on the path as above
 * (Linux 6.12), or only the two divergence ports per {@link TlpClass} ({@link Era#NEXT}, the
 * proposed rule modelled by {@link DirectionalAcsRule}; spec 12.2 R1). The host-bridge allowance
 * and the distance are the same under both.
 *
 * <p>A kernel built without CONFIG_PCI_P2PDMA ({@link dev.p2pdma.pci.PlatformFacts#p2pdmaNotBuilt()})
 * has only the stubs of include/linux/pci-p2pdma.h: every pair is NOT_SUPPORTED with that reason.
 *
 * <p>Immutable after construction; safe to share between threads.
 */
public final class P2pDmaDecision {

    /** Size of the kernel's buffer for the list of redirecting devices (a seq_buf of 128 bytes). */
    static final int ACS_LIST_BUFFER_BYTES = 128;

    /** The tree. */
    private final PciTopology topology;
    /** The options used. */
    private final DecisionOptions options;
    /** The whitelist of the kernel version. */
    private final HostBridgeWhitelist whitelist;
    /** The CPU the rule looks at: the override, else the captured one. */
    private final Optional<CpuInfo> cpu;
    /** cpu_supports_p2pdma() for that CPU. */
    private final boolean cpuRule;
    /** pci_upstream_bridge() per function. */
    private final int[] upstream;
    /** Chain length per function. */
    private final int[] chainLength;
    /** bridge_has_acs_redir() per function, with the unknown-ACS assumption applied. */
    private final boolean[] redirects;
    /** True where ACS is unknown and the assumption was used. */
    private final boolean[] acsAssumed;
    /** Number of redirecting devices on each function's chain, itself included. */
    private final int[] redirectsOnChain;
    /** Per host bridge: whitelisted for traffic that stays below it (same_host_bridge true). */
    private final boolean[] hostAllowsSame;
    /** Per host bridge: whitelisted as one of two different host bridges. */
    private final boolean[] hostAllowsAlone;
    /** Whole-topology assumptions, in words. */
    private final List<String> assumptions;
    /** Each function's address as text. */
    private final String[] names;
    /** Each function's dev_warn() prefix. */
    private final String[] prefixes;
    /** Per host bridge: its whitelist answer in words. */
    private final String[] hostText;
    /** Per host bridge: its answer for traffic between two host bridges. */
    private final String[] hostTextNotAcrossBridges;
    /** Per host bridge: the kernel's "not in whitelist" line, null when nothing would be printed. */
    private final String[] hostMissLog;
    /** The CPU rule's explanation, when it applies. */
    private final String cpuRuleText;
    /** True when the era decides ACS at the divergence ports only ({@link AcsPathRule#DIVERGENCE_PORTS}). */
    private final boolean divergenceRule;
    /** The directional rule over this tree, used when {@link #divergenceRule}. */
    private final DirectionalAcsRule directional;
    /** False when the kernel was built without CONFIG_PCI_P2PDMA: then every pair is NOT_SUPPORTED (the header's stubs). */
    private final boolean p2pdmaBuilt;

    private P2pDmaDecision(PciTopology topology, DecisionOptions options) {
        this.topology = topology;
        this.options = options;
        this.whitelist = HostBridgeWhitelist.of(options.kernel());
        this.cpu = options.cpuOverride().or(() -> topology.machine().cpu());
        this.cpuRule = HostBridgeWhitelist.cpuSupportsP2pdma(cpu);
        this.p2pdmaBuilt = !topology.machine().platform().p2pdmaNotBuilt();
        int n = topology.size();
        this.upstream = new int[n];
        this.chainLength = new int[n];
        this.redirects = new boolean[n];
        this.acsAssumed = new boolean[n];
        int unknown = 0;
        for (int i = 0; i < n; i++) {
            upstream[i] = topology.upstream(i);
            chainLength[i] = topology.chainLength(i);
            AcsState acs = topology.function(i).acs();
            switch (acs) {
                case AcsState.Present p -> redirects[i] = Acs.redirects(p.controlBits());
                case AcsState.Absent a -> redirects[i] = false;
                case AcsState.Unreadable u -> redirects[i] = Acs.redirects(AcsState.Unreadable.ERROR_RESPONSE_CONTROL);
                case AcsState.Unknown u -> {
                    redirects[i] = options.unknownAcs().redirects();
                    acsAssumed[i] = true;
                    unknown++;
                }
            }
        }
        this.redirectsOnChain = new int[n];
        for (int i = 0; i < n; i++) {
            int count = 0;
            for (int a = i; a >= 0; a = upstream[a]) {
                count += redirects[a] ? 1 : 0;
            }
            redirectsOnChain[i] = count;
        }
        int hbs = topology.hostBridges().size();
        this.hostAllowsSame = new boolean[hbs];
        this.hostAllowsAlone = new boolean[hbs];
        for (int h = 0; h < hbs; h++) {
            Optional<HostBridgeWhitelist.Entry> e = topology.hostBridgeDevice(h).flatMap(d -> whitelist.lookup(d.vendorId(), d.deviceId()));
            hostAllowsSame[h] = e.isPresent();
            hostAllowsAlone[h] = e.isPresent() && !e.get().requireSameBridge();
        }
        this.names = new String[n];
        this.prefixes = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = topology.function(i).address().toString();
            prefixes[i] = topology.function(i).logPrefix();
        }
        this.hostText = new String[hbs];
        this.hostTextNotAcrossBridges = new String[hbs];
        this.hostMissLog = new String[hbs];
        for (int h = 0; h < hbs; h++) {
            hostText[h] = hostBridgeText(h, false);
            hostTextNotAcrossBridges[h] = hostBridgeText(h, true);
            final int hh = h;
            hostMissLog[h] = topology.hostBridgeDevice(h).filter(r -> !hostAllowsSame[hh])
                    .map(r -> r.logPrefix() + ": Host bridge not in P2PDMA whitelist: " + String.format("%04x:%04x", r.vendorId(), r.deviceId()))
                    .orElse(null);
        }
        this.cpuRuleText = cpu.map(c -> "CPU rule: " + c.describe()
                + " is an AMD Zen (family >= 0x17), so every host-bridge path is allowed and the whitelist is not consulted").orElse("");
        List<String> notes = new ArrayList<>();
        if (cpu.isEmpty()) {
            notes.add("CPU unknown: assumed not an AMD Zen, so the host-bridge whitelist decides (set --cpu VENDOR:FAMILY to change)");
        } else if (options.cpuOverride().isPresent()) {
            notes.add("CPU set by --cpu: " + cpu.get().describe());
        }
        if (unknown > 0) {
            notes.add("ACS unknown on " + unknown + " of " + n + " functions: assumed "
                    + (options.unknownAcs().redirects() ? "redirect (RR/CR set)" : "no redirect") + " (set --assume-acs to change)");
        }
        this.assumptions = List.copyOf(notes);
        this.divergenceRule = options.era().acsPathRule() == AcsPathRule.DIVERGENCE_PORTS;
        this.directional = DirectionalAcsRule.of(topology, options.unknownAcs());
    }

    /** The decision for a topology with the given options. */
    public static P2pDmaDecision of(PciTopology topology, DecisionOptions options) {
        return new P2pDmaDecision(topology, options);
    }

    /** The decision with Linux 6.12 rules. */
    public static P2pDmaDecision of(PciTopology topology) {
        return new P2pDmaDecision(topology, DecisionOptions.defaults());
    }

    public PciTopology topology() {
        return topology;
    }

    public DecisionOptions options() {
        return options;
    }

    /** The CPU the rule used, if known. */
    public Optional<CpuInfo> cpu() {
        return cpu;
    }

    /** Models cpu_supports_p2pdma() for the effective CPU. */
    public boolean cpuSupportsP2pdma() {
        return cpuRule;
    }

    /** Whole-topology assumptions behind every verdict, in words. */
    public List<String> assumptions() {
        return assumptions;
    }

    /** Models bridge_has_acs_redir() for one function (with the unknown-ACS assumption). */
    public boolean hasAcsRedirect(int index) {
        return redirects[index];
    }

    /**
     * Models calc_map_type_and_dist() without its log lines: the map type and distance packed in
     * one long, for the kernel's default TLP class. Allocation-free under the 6.12 rule; read the
     * parts with {@link #mapTypeOf(long)} and {@link #distanceOf(long)}.
     */
    public long calc(int provider, int client) {
        return calc(provider, client, TlpClass.KERNEL_DEFAULT);
    }

    /**
     * As {@link #calc(int, int)} for the TLP class {@code tlp}; only the directional rule
     * ({@link Era#NEXT}) tells classes apart, the 6.12 rule gives every class the same answer.
     */
    public long calc(int provider, int client, TlpClass tlp) {
        long r = calcTree(provider, client, tlp);
        return p2pdmaBuilt ? r : pack(MapType.NOT_SUPPORTED, distanceOf(r));
    }

    /** Whether the kernel has P2PDMA at all: false when it was built without CONFIG_PCI_P2PDMA. */
    public boolean p2pdmaBuilt() {
        return p2pdmaBuilt;
    }

    /** The tree walk of calc_map_type_and_dist(), as a kernel built with CONFIG_PCI_P2PDMA does it. */
    private long calcTree(int provider, int client, TlpClass tlp) {
        if (divergenceRule) {
            DirectionalAcsRule.Divergence d = directional.walk(provider, client);
            return pack(mapType(DirectionalAcsRule.route(d, tlp), provider, client), d.distance());
        }
        int la = chainLength[provider];
        int lb = chainLength[client];
        int a = provider;
        int b = client;
        int stepsUp = 0;
        int stepsDown = 0;
        while (la > lb) {
            a = upstream[a];
            la--;
            stepsUp++;
        }
        while (lb > la) {
            b = upstream[b];
            lb--;
            stepsDown++;
        }
        while (a != b) {
            a = upstream[a];
            b = upstream[b];
            stepsUp++;
            stepsDown++;
        }
        if (a < 0) {
            int dist = chainLength[provider] + chainLength[client];
            return pack(hostBridgeAllows(provider, client) ? MapType.THRU_HOST_BRIDGE : MapType.NOT_SUPPORTED, dist);
        }
        int dist = stepsUp + stepsDown;
        int above = upstream[a] < 0 ? 0 : redirectsOnChain[upstream[a]];
        int acsCount = redirectsOnChain[provider] - above + redirectsOnChain[client] - redirectsOnChain[a];
        if (acsCount == 0) {
            return pack(MapType.BUS_ADDR, dist);
        }
        return pack(hostBridgeAllows(provider, client) ? MapType.THRU_HOST_BRIDGE : MapType.NOT_SUPPORTED, dist);
    }

    /** The map type of a directional route: the host-bridge route needs the CPU rule or the whitelist. */
    private MapType mapType(DirectionalAcsRule.Route route, int provider, int client) {
        return switch (route) {
            case BUS_ADDRESS -> MapType.BUS_ADDR;
            case REFUSED -> MapType.NOT_SUPPORTED;
            case HOST_BRIDGE -> hostBridgeAllows(provider, client) ? MapType.THRU_HOST_BRIDGE : MapType.NOT_SUPPORTED;
        };
    }

    /** The map type of a packed {@link #calc} result. */
    public static MapType mapTypeOf(long packed) {
        return MapType.ofSgValue((int) (packed & 0xf));
    }

    /** The distance of a packed {@link #calc} result. */
    public static int distanceOf(long packed) {
        return (int) (packed >>> 4);
    }

    private static long pack(MapType t, int dist) {
        return ((long) dist << 4) | t.sgValue();
    }

    /** The CPU rule, else host_bridge_whitelist(provider, client). */
    private boolean hostBridgeAllows(int provider, int client) {
        if (cpuRule) {
            return true;
        }
        int hp = topology.hostBridgeIndexOf(provider);
        int hc = topology.hostBridgeIndexOf(client);
        return hp == hc ? hostAllowsSame[hp] : hostAllowsAlone[hp] && hostAllowsAlone[hc];
    }

    /**
     * Receives each pair that pci_p2pdma_distance_many() computed, as calc_map_type_and_dist()
     * stores it in the provider's map_types. Implementations must be thread-safe when the decision
     * is shared.
     */
    @FunctionalInterface
    public interface PairObserver {

        /** Drops what it is told. */
        PairObserver NONE = (provider, client, type) -> {
        };

        /** The pair {@code (provider, client)} was computed as {@code type}. */
        void computed(int provider, int client, MapType type);
    }

    /**
     * Models pci_p2pdma_distance_many(): the sum of the distances to every client, or -1 when
     * there are none, any client is not a PCI function (a negative index) or any pair is
     * NOT_SUPPORTED. Verbose calls print the kernel's lines for every pair they compute (and, as the
     * kernel does, keep going after a NOT_SUPPORTED pair); quiet calls print only the host bridge's
     * "not in P2PDMA whitelist" warning, and only on kernels before
     * {@link KernelChange#WHITELIST_WARNING_VERBOSE_ONLY}.
     */
    public int distanceMany(int provider, int[] clients, boolean verbose, KernelLog log) {
        return distanceMany(provider, clients, verbose, log, PairObserver.NONE);
    }

    /**
     * As {@link #distanceMany(int, int[], boolean, KernelLog)}, telling {@code observer} every pair
     * computed (pci_p2pmem_find_many() uses it to fill the provider's map-types cache).
     */
    public int distanceMany(int provider, int[] clients, boolean verbose, KernelLog log, PairObserver observer) {
        if (clients.length == 0) {
            return -1;
        }
        int total = 0;
        boolean notSupported = false;
        for (int client : clients) {
            if (client < 0) {
                return -1;
            }
            MapType type;
            int dist;
            if (verbose) {
                P2pVerdict v = verdict(provider, client);
                log.printAll(v.kernelLog());
                type = v.mapType();
                dist = v.distance();
            } else {
                long r = calc(provider, client);
                type = mapTypeOf(r);
                dist = distanceOf(r);
                if (type == MapType.NOT_SUPPORTED && !options.kernel().has(KernelChange.WHITELIST_WARNING_VERBOSE_ONLY)) {
                    quietWhitelistWarning(provider, client, log);
                }
            }
            observer.computed(provider, client, type);
            if (type == MapType.NOT_SUPPORTED) {
                notSupported = true;
            }
            if (notSupported && !verbose) {
                break;
            }
            total += dist;
        }
        return notSupported ? -1 : total;
    }

    /**
     * The one line a non-verbose calc_map_type_and_dist() prints before the gating change
     * ({@link KernelChange#WHITELIST_WARNING_VERBOSE_ONLY}, spec 12.1 M13): the host bridge's
     * "not in P2PDMA whitelist" warning, which is passed warn = acs_redirects whatever the caller's
     * verbosity. Called only for NOT_SUPPORTED pairs.
     */
    private void quietWhitelistWarning(int provider, int client, KernelLog log) {
        String miss = hostMissLog[topology.hostBridgeIndexOf(provider)];
        if (miss != null && verdict(provider, client).kernelLog().contains(miss)) {
            log.print(miss);
        }
    }

    /** The verdict for a pair of addresses. */
    public P2pVerdict verdict(PciAddress provider, PciAddress client) {
        int p = topology.indexOf(provider);
        int c = topology.indexOf(client);
        if (p < 0 || c < 0) {
            throw new IllegalArgumentException("no such function: " + (p < 0 ? provider : client));
        }
        return verdict(p, c);
    }

    /**
     * The verdict with path, kernel log lines, reasons and the walk step by step (the verbose
     * calc_map_type_and_dist()).
     */
    public P2pVerdict verdict(int provider, int client) {
        return verdict(provider, client, TlpClass.KERNEL_DEFAULT, VerdictNarration.SILENT);
    }

    /**
     * As {@link #verdict(int, int)} for the TLP class {@code tlp}. Only the directional rule
     * ({@link Era#NEXT}) tells classes apart; its kernel log follows the default class whatever
     * {@code tlp} is, as the candidate prints it.
     */
    public P2pVerdict verdict(int provider, int client, TlpClass tlp) {
        return verdict(provider, client, tlp, VerdictNarration.SILENT);
    }

    /** The verdict with the walk told step by step in {@link P2pVerdict#steps()}, for {@code p2pdma explain}. */
    public P2pVerdict explain(int provider, int client) {
        return verdict(provider, client, TlpClass.KERNEL_DEFAULT, VerdictNarration.told(topology));
    }

    /** The verbose walk, telling {@code narration} each step. */
    private P2pVerdict verdict(int provider, int client, TlpClass tlp, VerdictNarration narration) {
        PciFunction pf = topology.function(provider);
        PciFunction cf = topology.function(client);
        int[] pchain = topology.chain(provider);
        int[] cchain = topology.chain(client);
        // the kernel's nested loops: the first device of the provider's chain found on the client's
        int ia = -1;
        int ib = -1;
        outer:
        for (int i = 0; i < pchain.length; i++) {
            for (int j = 0; j < cchain.length; j++) {
                if (pchain[i] == cchain[j]) {
                    ia = i;
                    ib = j;
                    break outer;
                }
            }
        }
        List<String> path = new ArrayList<>(pchain.length + cchain.length + 2);
        List<PciAddress> offenders = new ArrayList<>(0);
        List<String> assumed = new ArrayList<>(0);
        narration.chains(provider, pchain, client, cchain);
        Optional<PciAddress> common = Optional.empty();
        if (ia >= 0) {
            common = Optional.of(topology.function(pchain[ia]).address());
            for (int i = 0; i <= ia; i++) {
                path.add(names[pchain[i]]);
            }
            for (int j = ib - 1; j >= 0; j--) {
                path.add(names[cchain[j]]);
            }
            if (!divergenceRule) {
                for (int i = 0; i <= ia; i++) {
                    checkAcs(pchain[i], offenders, assumed, narration);
                }
                for (int j = 0; j < ib; j++) {
                    checkAcs(cchain[j], offenders, assumed, narration);
                }
            }
            narration.commonUpstream(provider == client, topology.function(pchain[ia]), ia, ib);
        } else {
            for (int a : pchain) {
                path.add(names[a]);
            }
            HostBridge hp = topology.hostBridgeOf(provider);
            HostBridge hc = topology.hostBridgeOf(client);
            path.add(hp.name());
            if (!hp.equals(hc)) {
                path.add(hc.name());
            }
            for (int j = cchain.length - 1; j >= 0; j--) {
                path.add(names[cchain[j]]);
            }
            narration.noCommonUpstream(pchain.length, cchain.length);
        }
        // the verdict from this walk alone, independent of calc()
        int dist = ia >= 0 ? ia + ib : pchain.length + cchain.length;
        if (divergenceRule) {
            return divergenceVerdict(provider, client, tlp, cchain, path, common, dist, assumed, narration);
        }
        boolean acsRedirects = ia >= 0 && !offenders.isEmpty();
        MapType type = ia >= 0 && !acsRedirects ? MapType.BUS_ADDR
                : hostBridgeAllows(provider, client) ? MapType.THRU_HOST_BRIDGE : MapType.NOT_SUPPORTED;
        List<String> kernelLog = new ArrayList<>(0);
        List<String> explain = new ArrayList<>(2);
        if (type == MapType.BUS_ADDR) {
            explain.add(provider == client
                    ? "same function: its own memory, bus address"
                    : "provider and client share upstream device " + names[pchain[ia]] + " and no device on the path between them has ACS redirect: bus address");
        } else {
            if (ia < 0) {
                HostBridge hp = topology.hostBridgeOf(provider);
                HostBridge hc = topology.hostBridgeOf(client);
                explain.add("no common upstream device: the route crosses the host bridge (" + hp.name()
                        + (hp.equals(hc) ? "" : " and " + hc.name()) + ")");
            }
            if (acsRedirects) {
                String prefix = logPrefix(client);
                kernelLog.add(prefix + ": ACS redirect is set between the client and provider (" + names[provider] + ")");
                kernelLog.add(prefix + ": to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir="
                        + acsListText(offenders));
                explain.add("ACS redirect (RR/CR/EC) is set on " + offenders + ": requests are sent up to the root complex");
                narration.acsRedirect(offenders);
            }
            hostBridgeStory(provider, client, acsRedirects, kernelLog, explain, narration);
        }
        if (!p2pdmaBuilt) {
            // include/linux/pci-p2pdma.h without CONFIG_PCI_P2PDMA: the stubs compute nothing and print nothing
            List<String> stub = List.of(KernelConfig.NOT_BUILT_REASON + ": pci_p2pdma_distance_many() is a stub that returns -1 for every pair");
            return new P2pVerdict(pf.address(), cf.address(), MapType.NOT_SUPPORTED, dist, path, common, List.of(), List.of(), stub, stub);
        }
        narration.verdict(type, dist);
        List<String> reasons = new ArrayList<>(kernelLog.size() + explain.size() + assumed.size());
        reasons.addAll(kernelLog);
        reasons.addAll(explain);
        reasons.addAll(assumed);
        return new P2pVerdict(pf.address(), cf.address(), type, dist, path, common, offenders, kernelLog, reasons, narration.steps());
    }

    private void hostBridgeStory(int provider, int client, boolean warn, List<String> kernelLog,
                                 List<String> explain, VerdictNarration narration) {
        narration.cpuRule(cpuRule, cpu);
        if (cpuRule) {
            explain.add(cpuRuleText);
            return;
        }
        int hp = topology.hostBridgeIndexOf(provider);
        int hc = topology.hostBridgeIndexOf(client);
        if (hp == hc) {
            whitelistStep(hp, true, warn, kernelLog, explain, narration);
        } else if (whitelistStep(hp, false, warn, kernelLog, explain, narration)) {
            whitelistStep(hc, false, warn, kernelLog, explain, narration);
        }
        if (!hostBridgeAllows(provider, client)) {
            kernelLog.add(logPrefix(client) + ": cannot be used for peer-to-peer DMA as the client and provider (" + names[provider]
                    + ") do not share an upstream bridge or whitelisted host bridge");
        }
    }

    /**
     * The verbose walk under the directional rule ({@link DirectionalAcsRule}, spec 12.2 R1): the
     * divergence ports decide {@code tlp}; the kernel's warnings follow the default class, and the
     * host bridge is consulted (warning when verbose, as the candidate does) whenever some class
     * needs it.
     */
    private P2pVerdict divergenceVerdict(int provider, int client, TlpClass tlp, int[] cchain, List<String> path,
                                         Optional<PciAddress> common, int dist, List<String> assumed, VerdictNarration narration) {
        DirectionalAcsRule.Divergence d = directional.walk(provider, client);
        DirectionalAcsRule.Route route = DirectionalAcsRule.route(d, tlp);
        DirectionalAcsRule.Route defaultRoute = DirectionalAcsRule.route(d, TlpClass.KERNEL_DEFAULT);
        boolean hostConsulted = false;
        for (TlpClass c : TlpClass.values()) {
            hostConsulted |= DirectionalAcsRule.route(d, c) == DirectionalAcsRule.Route.HOST_BRIDGE;
        }
        List<PciAddress> offenders = new ArrayList<>(2);
        List<String> kernelLog = new ArrayList<>(0);
        List<String> explain = new ArrayList<>(3);
        if (d.portsEvaluated()) {
            noteAssumedDivergence(d.providerChild(), assumed);
            noteAssumedDivergence(d.clientChild(), assumed);
            narration.divergence("divergence ports (directional ACS rule, R1): Requests turn at " + names[d.clientChild()] + " ["
                    + portText(d.clientChild()) + "], Completions at " + names[d.providerChild()] + " [" + portText(d.providerChild())
                    + "]; ACS below them is not examined");
        } else if (!d.noCommonUpstream()) {
            narration.divergence("no divergence port (one end is upstream of the other): no ACS routing control applies");
        }
        String prefix = logPrefix(client);
        if (!d.noCommonUpstream() && defaultRoute != DirectionalAcsRule.Route.BUS_ADDRESS) {
            if (d.unreadable() >= 0) {
                kernelLog.add(prefix + ": ACS Control is unreadable for provider " + names[provider] + " at " + names[d.unreadable()]);
            } else {
                for (int port : DirectionalAcsRule.hintPorts(d)) {
                    offenders.add(topology.function(port).address());
                }
                kernelLog.add(prefix + ": ACS redirect is set between the client and provider (" + names[provider] + ")");
                kernelLog.add(prefix + ": to disable ACS controls for this path, add the kernel parameter: pci=disable_acs_redir="
                        + acsListText(offenders));
            }
        }
        if (d.unreadable() >= 0) {
            offenders.add(topology.function(d.unreadable()).address());
            explain.add("the ACS Control register of " + names[d.unreadable()] + " cannot be read: the directional rule refuses the path");
        } else if (route == DirectionalAcsRule.Route.BUS_ADDRESS) {
            explain.add(provider == client ? "same function: its own memory, bus address"
                    : !d.portsEvaluated() ? "one is upstream of the other (common device " + common.map(PciAddress::toString).orElse("")
                    + "): no ACS routing control applies, bus address"
                    : "provider and client share upstream device " + common.map(PciAddress::toString).orElse("") + "; at the divergence "
                    + names[d.clientChild()] + " routes the client's " + tlp.label() + " Requests and " + names[d.providerChild()]
                    + " the Completions directly (ACS below is not examined): bus address");
        } else {
            if (d.noCommonUpstream()) {
                HostBridge hp = topology.hostBridgeOf(provider);
                HostBridge hc = topology.hostBridgeOf(client);
                explain.add("no common upstream device: the route crosses the host bridge (" + hp.name()
                        + (hp.equals(hc) ? "" : " and " + hc.name()) + ")");
            } else if (route == DirectionalAcsRule.Route.HOST_BRIDGE) {
                explain.add(redirectText(d, tlp) + ": requests are sent up to the root complex");
                narration.acsRedirect(offenders);
            }
            if (route == DirectionalAcsRule.Route.REFUSED) {
                explain.add("Translation Blocking (TB) on " + translationBlocker(cchain, d) + " refuses the client's " + tlp.label()
                        + " Requests: no route at all");
            }
        }
        MapType type = mapType(route, provider, client);
        if (hostConsulted) {
            hostBridgeStory(provider, client, true, kernelLog, explain, narration);
        }
        narration.verdict(type, dist);
        List<String> reasons = new ArrayList<>(kernelLog.size() + explain.size() + assumed.size());
        reasons.addAll(kernelLog);
        reasons.addAll(explain);
        reasons.addAll(assumed);
        return new P2pVerdict(topology.function(provider).address(), topology.function(client).address(), type, dist, path, common,
                offenders, kernelLog, reasons, narration.steps());
    }

    /** Which divergence port redirects which direction, in words. */
    private String redirectText(DirectionalAcsRule.Divergence d, TlpClass tlp) {
        List<String> parts = new ArrayList<>(2);
        if (DirectionalAcsRule.request(d.requestControl(), tlp) == DirectionalAcsRule.PortRoute.REDIRECT) {
            parts.add(names[d.clientChild()] + " redirects the client's " + tlp.label() + " Requests (RR/EC)");
        }
        if (DirectionalAcsRule.completion(d.completionControl(), tlp) == DirectionalAcsRule.PortRoute.REDIRECT) {
            parts.add(names[d.providerChild()] + " redirects the provider's Completions (CR)");
        }
        return "ACS at the divergence: " + String.join(" and ", parts);
    }

    /** The first device on the client's way up that refuses Translated Requests, as text. */
    private String translationBlocker(int[] cchain, DirectionalAcsRule.Divergence d) {
        for (int j = 1; j < cchain.length; j++) {
            int i = cchain[j];
            if (d.tbBelowDivergence() && i == d.common()) {
                break;
            }
            if ((directional.control(i).orElse(Acs.TB) & Acs.TB) != 0) {
                return names[i];
            }
        }
        return "the client's path";
    }

    /** The ACS Control of a divergence port as the directional rule reads it, in words. */
    private String portText(int i) {
        return directional.control(i).stream().mapToObj(c -> "ctrl " + Acs.describe(c)).findFirst().orElse("ctrl unreadable");
    }

    /** Notes the unknown-ACS assumption for one divergence port. */
    private void noteAssumedDivergence(int i, List<String> assumed) {
        if (acsAssumed[i]) {
            assumed.add("assumed: ACS of " + names[i] + " is unknown (" + ((AcsState.Unknown) topology.function(i).acs()).reason()
                    + "); treated as " + (options.unknownAcs().redirects() ? "SV RR CR UF (the IOMMU default)" : "no ACS controls"));
        }
    }

    /** Models __host_bridge_whitelist() for one host bridge, recording what it saw. */
    private boolean whitelistStep(int h, boolean sameHostBridge, boolean warn, List<String> kernelLog, List<String> explain,
                                  VerdictNarration narration) {
        boolean allowed = sameHostBridge ? hostAllowsSame[h] : hostAllowsAlone[h];
        String s = sameHostBridge || !hostAllowsSame[h] ? hostText[h] : hostTextNotAcrossBridges[h];
        explain.add(s);
        narration.whitelist(s);
        if (!hostAllowsSame[h] && warn && hostMissLog[h] != null) {
            kernelLog.add(hostMissLog[h]);
        }
        return allowed;
    }

    /** Describes one host bridge's whitelist answer, once per decision. */
    private String hostBridgeText(int h, boolean acrossBridges) {
        HostBridge hb = topology.hostBridges().get(h);
        Optional<PciFunction> root = topology.hostBridgeDevice(h);
        if (root.isEmpty()) {
            return "host bridge " + hb + ": no device to check (the first device on its root bus is neither 00.0 nor a root port): not whitelisted";
        }
        PciFunction r = root.get();
        String dev = "host bridge " + hb + " device " + r.address() + " " + r.idText();
        Optional<HostBridgeWhitelist.Entry> e = whitelist.lookup(r.vendorId(), r.deviceId());
        if (e.isEmpty()) {
            return dev + " is not in the P2PDMA whitelist";
        }
        if (acrossBridges && e.get().requireSameBridge()) {
            return dev + " (" + e.get().comment() + ") is whitelisted only for traffic below one host bridge; these devices are below two";
        }
        return dev + " is whitelisted (" + e.get().comment() + ")";
    }

    /** Models bridge_has_acs_redir() for one device on the path, noting offenders and assumptions, and telling the narration. */
    private void checkAcs(int i, List<PciAddress> offenders, List<String> assumed, VerdictNarration narration) {
        PciFunction f = topology.function(i);
        if (redirects[i]) {
            offenders.add(f.address());
        }
        if (acsAssumed[i]) {
            assumed.add("assumed: ACS of " + names[i] + " is unknown (" + ((AcsState.Unknown) f.acs()).reason() + "); treated as "
                    + (redirects[i] ? "redirecting" : "not redirecting"));
        }
        narration.acsChecked(f, redirects[i]);
    }

    /** The kernel's dev_warn() prefix of a function: driver (or "pci") and address. */
    private String logPrefix(int i) {
        return prefixes[i];
    }

    /** The hint list as the kernel prints it: names joined by ';' in a 128-byte buffer, final ';' dropped. */
    static String acsListText(List<PciAddress> offenders) {
        StringBuilder sb = new StringBuilder();
        boolean overflow = false;
        for (PciAddress a : offenders) {
            String piece = a + ";";
            if (sb.length() + piece.length() < ACS_LIST_BUFFER_BYTES) {
                sb.append(piece);
            } else {
                int room = ACS_LIST_BUFFER_BYTES - 1 - sb.length();
                sb.append(piece, 0, Math.max(0, room));
                overflow = true;
                break;
            }
        }
        if (!overflow && !sb.isEmpty()) {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }
}
