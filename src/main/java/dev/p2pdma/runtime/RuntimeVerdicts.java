package dev.p2pdma.runtime;

import dev.p2pdma.machine.DmaSetup;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.KernelCommandLine;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each runtime decides for a pair of one machine: the facade over {@link NvidiaSmiTopo},
 * {@link NcclP2p}, {@link RocmPeerAccess}, {@link DmaBufImport} and {@link GdsP2pdma}, fed by the
 * topology ({@link PcieRoutes}), the kernel's map type and the machine's command line, IOMMU and CPU.
 *
 * <p>Decisions depend only on the pair's route, its map type and a few facts per function (kind,
 * largest BAR, p2pmem), so they are computed once per distinct combination and shared: a
 * million-pair matrix costs a route walk and a map lookup per pair. Thread-safe: immutable apart
 * from that concurrent cache.
 */
public final class RuntimeVerdicts {

    /** The routes over the machine's tree. */
    private final PcieRoutes routes;
    /** Per function: the index of its facts in {@link #facts}. */
    private final int[] factsOf;
    /** Distinct per-function facts. */
    private final List<Facts> facts;
    /** The CPU, when known (the {@code --cpu} what-if included). */
    private final Optional<CpuInfo> cpu;
    /** The NVIDIA GPUs in the machine (virtual functions not counted). */
    private final int nvidiaGpus;
    /** The DMA setup from the command line and IOMMU state. */
    private final DmaSetup setup;
    /** {@code amdgpu.pcie_p2p} from the command line, when set there. */
    private final Optional<Boolean> pcieP2p;
    /** The user's settings. */
    private final RuntimeOptions options;
    /** Decisions by what they depend on. */
    private final Map<Key, List<RuntimeDecision>> cache = new ConcurrentHashMap<>();

    /**
     * What the runtimes need to know of one function.
     *
     * @param kind    what it is
     * @param vramBar its largest memory BAR, when it has one
     * @param p2pmem  whether it registered p2pmem
     */
    private record Facts(DeviceKind kind, Optional<VramAperture> vramBar, boolean p2pmem) {
    }

    /**
     * What a pair's decisions depend on.
     *
     * @param route     the route's code ({@link PcieRoutes#code})
     * @param facts     both functions' facts ids and the extra GPUs, packed
     * @param mapType   the kernel's map type
     */
    private record Key(long route, long facts, MapType mapType) {
    }

    private RuntimeVerdicts(LoadedMachine machine, RuntimeOptions options) {
        PciTopology t = machine.topology();
        this.routes = PcieRoutes.of(t);
        this.factsOf = new int[t.size()];
        Map<Facts, Integer> ids = new HashMap<>();
        int gpus = 0;
        for (int i = 0; i < t.size(); i++) {
            PciFunction f = t.function(i);
            Facts x = new Facts(DeviceKind.of(f),
                    f.bars().stream().filter(Bar::memory).max(Comparator.comparingLong(Bar::sizeBytes)).map(VramAperture::of), f.p2pmem().isPresent());
            factsOf[i] = ids.computeIfAbsent(x, k -> ids.size());
            if (x.kind() == DeviceKind.NVIDIA_GPU && !f.isVirtfn()) {
                gpus++;
            }
        }
        Facts[] byId = new Facts[ids.size()];
        ids.forEach((x, id) -> byId[id] = x);
        this.facts = List.of(byId);
        this.nvidiaGpus = gpus;
        this.cpu = machine.decision().cpu();
        KernelCommandLine cmdline = KernelCommandLine.parse(t.machine().cmdline().orElse(""));
        this.setup = DmaSetup.of(cmdline, machine.iommuActive().orElse(cmdline.iommuRequested().orElse(false)));
        List<String> p2p = cmdline.values("amdgpu.pcie_p2p");
        this.pcieP2p = p2p.isEmpty() ? Optional.empty() : kernelBool(p2p.get(p2p.size() - 1));
        this.options = options;
    }

    /** The runtimes' view of {@code machine}. */
    public static RuntimeVerdicts of(LoadedMachine machine, RuntimeOptions options) {
        return new RuntimeVerdicts(machine, options);
    }

    /** Models the kernel's {@code kstrtobool()}: 1/y/on true, 0/n/off false, anything else not a boolean. */
    static Optional<Boolean> kernelBool(String v) {
        String s = v.toLowerCase(Locale.ROOT);
        if (s.equals("1") || s.startsWith("y") || s.equals("on")) {
            return Optional.of(true);
        }
        if (s.equals("0") || s.startsWith("n") || s.equals("off")) {
            return Optional.of(false);
        }
        return Optional.empty();
    }

    /** The routes these decisions use. */
    public PcieRoutes routes() {
        return routes;
    }

    /** The DMA setup the decisions assume for the client. */
    public DmaSetup dmaSetup() {
        return setup;
    }

    /** {@code decisions} with the one of {@code replacement}'s runtime replaced by it (e.g. GDS run through the data plane). */
    public static List<RuntimeDecision> with(List<RuntimeDecision> decisions, RuntimeDecision replacement) {
        return decisions.stream().map(d -> d.runtime() == replacement.runtime() ? replacement : d).toList();
    }

    /**
     * Every runtime's decision for {@code provider} (whose memory is used) and {@code client}
     * (which does the DMA), function indexes, given the kernel's map type for them; in
     * {@link Runtime} order.
     */
    public List<RuntimeDecision> decide(int provider, int client, MapType mapType) {
        return decide(routes.code(provider, client), provider, client, mapType);
    }

    /**
     * As {@link #decide(int, int, MapType)} for a caller that already has the pair's route code
     * ({@link PcieRoutes#code}{@code (provider, client)}). Two clients of one provider with equal
     * route codes, equal {@link #factsId}s and one map type get equal decisions, so a caller walking
     * a provider's row can reuse the previous cell's.
     */
    public List<RuntimeDecision> decide(long routeCode, int provider, int client, MapType mapType) {
        int extra = extraGpus(provider, client);
        Key key = new Key(routeCode, ((long) factsOf[provider] << 34) | ((long) factsOf[client] << 2) | extra, mapType);
        List<RuntimeDecision> hit = cache.get(key);
        return hit != null ? hit : cache.computeIfAbsent(key, k -> decide(PcieRoutes.decode(routeCode), facts.get(factsOf[provider]),
                facts.get(factsOf[client]), extra, mapType));
    }

    /** The id of a function's facts (kind, largest BAR, p2pmem): equal ids, equal facts. */
    public int factsId(int function) {
        return factsOf[function];
    }

    /** The decisions computed afresh, without any cache: the reference the cache is tested against. */
    List<RuntimeDecision> decideUncached(int provider, int client, MapType mapType) {
        return decide(routes.route(provider, client), facts.get(factsOf[provider]), facts.get(factsOf[client]), extraGpus(provider, client),
                mapType);
    }

    /** GPUs the pair adds to NCCL's count besides the machine's NVIDIA GPUs: each side that is not one (the client only when it is not the provider). */
    private int extraGpus(int provider, int client) {
        DeviceKind p = facts.get(factsOf[provider]).kind();
        DeviceKind c = facts.get(factsOf[client]).kind();
        return (p == DeviceKind.NVIDIA_GPU ? 0 : 1) + (c == DeviceKind.NVIDIA_GPU || provider == client ? 0 : 1);
    }

    /** Every runtime's decision for a route, the two functions' facts and the map type. */
    private List<RuntimeDecision> decide(PairRoute route, Facts p, Facts c, int extra, MapType mapType) {
        return List.of(
                NvidiaSmiTopo.decide(route),
                NcclP2p.decide(route, p.kind(), c.kind(), mapType, cpu, nvidiaGpus + extra, options.ncclP2pLevel()),
                RocmPeerAccess.decide(p.kind(), p.vramBar(), c.kind(), mapType, pcieP2p, setup.iommu()),
                DmaBufImport.xe(p.kind(), mapType, setup.iommu()),
                DmaBufImport.vfio(mapType, setup.iommu()),
                GdsP2pdma.decide(c.kind(), p.p2pmem(), mapType, setup));
    }
}
