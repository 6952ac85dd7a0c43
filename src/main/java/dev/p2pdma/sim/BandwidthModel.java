package dev.p2pdma.sim;

import dev.p2pdma.machine.DmaSetup;
import dev.p2pdma.machine.IommuMode;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.KernelCommandLine;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bandwidth model (issue 13, part 3; README "The bandwidth model"): every stream becomes one
 * or two <em>flows</em> of payload through shared <em>resources</em>, each direction of each PCIe
 * link, the root complex's peer forwarding per socket, each direction of the inter-socket link,
 * host memory per NUMA node and each IOMMU's page walkers, and the flows share every resource
 * max-min fairly (progressive filling: all unfinished flows grow at the same payload rate until
 * a resource fills or a flow reaches its own concurrency limit).
 *
 * <p>A flow's use of a link direction is the wire bytes it puts there per payload byte: payload
 * plus, per TLP of at most the path's Max Payload Size, the header and the framing, sequence
 * number and LCRC; read requests travel the opposite direction. A link direction's capacity is its
 * rate in TLP bytes: lanes x GT/s x encoding / 8, less the DLLP share. The P2P column puts every
 * stream the kernel lets go peer-to-peer on its peer path (through the common switch for
 * {@link MapType#BUS_ADDR}, up to the root complex and back down otherwise, which is where ACS
 * redirect sends it) and the others on the bounce; the bounce column bounces every stream: the
 * data is written by {@code from} into host memory on {@code from}'s NUMA node and read from there
 * by {@code to}, with the CPU-side cost between the two transfers of each I/O.
 *
 * <p>Immutable and thread-safe: all state is final and computed per call.
 */
public final class BandwidthModel implements BandwidthPredictor {

    /** Flows whose rates differ by less than this (relative) are treated as equal. */
    private static final double EPSILON = 1e-9;

    /** The machine: topology and the kernel's verdicts. */
    private final LoadedMachine machine;
    /** The topology of {@link #machine}. */
    private final PciTopology topology;
    /** The parameters. */
    private final BandwidthParameters params;
    /** What the IOMMU does with device DMA. */
    private final IommuMode iommu;
    /** Whole-machine assumptions (unknown links, MPS, NUMA nodes), in words. */
    private final List<String> assumptions;

    /**
     * A model of {@code machine} whose IOMMU does what the machine's kernel command line and IOMMU
     * groups say ({@link DmaSetup#of}).
     */
    public BandwidthModel(LoadedMachine machine, BandwidthParameters params) {
        this(machine, params, DmaSetup.of(machine.topology().machine().cmdline().map(KernelCommandLine::parse)
                .orElse(KernelCommandLine.empty()), machine.topology().machine().iommuActive().orElse(false)).iommu());
    }

    /** A model of {@code machine} with the IOMMU mode given (a scenario's {@code iommu:}). */
    public BandwidthModel(LoadedMachine machine, BandwidthParameters params, IommuMode iommu) {
        this.machine = machine;
        this.topology = machine.topology();
        this.params = params;
        this.iommu = iommu;
        this.assumptions = List.copyOf(machineAssumptions());
    }

    /** The parameters in use. */
    public BandwidthParameters parameters() {
        return params;
    }

    /** The IOMMU mode the model translates with. */
    public IommuMode iommuMode() {
        return iommu;
    }

    /** What the model assumed about this machine (links, payload sizes, NUMA nodes it does not know), in words. */
    public List<String> assumptions() {
        return assumptions;
    }

    /**
     * The link directly above the function at {@code address}, as the model rates it: the link
     * between the function and its upstream root or downstream port, at the current speed and
     * width.
     *
     * @throws IllegalArgumentException when there is no such function or no link above it
     */
    public LinkRate linkAbove(PciAddress address) {
        int i = indexOf(address);
        int up = topology.upstream(i);
        if (up < 0 || !physicalLink(up, i)) {
            throw new IllegalArgumentException(address + " has no PCIe link above it");
        }
        return link(up, i);
    }

    @Override
    public List<StreamPrediction> predict(List<Stream> streams) {
        List<P2pVerdict> verdicts = new ArrayList<>();
        for (Stream s : streams) {
            PciAddress provider = s.initiator().equals(s.from()) ? s.to() : s.from();
            verdicts.add(machine.decision().verdict(provider, s.initiator()));
        }
        List<Flow> p2pFlows = new ArrayList<>();
        List<Flow> bounceFlows = new ArrayList<>();
        for (int k = 0; k < streams.size(); k++) {
            Stream s = streams.get(k);
            boolean supported = verdicts.get(k).mapType().supported();
            for (boolean reverse : s.bothWays() ? new boolean[] {false, true} : new boolean[] {false}) {
                Stream d = reverse ? reversed(s) : s;
                Flow bounce = bounceFlow(k, reverse, d);
                bounceFlows.add(bounce);
                p2pFlows.add(supported ? p2pFlow(k, reverse, d, verdicts.get(k).mapType()) : bounceFlow(k, reverse, d));
            }
        }
        share(p2pFlows);
        share(bounceFlows);
        List<StreamPrediction> out = new ArrayList<>();
        for (int k = 0; k < streams.size(); k++) {
            Stream s = streams.get(k);
            P2pVerdict v = verdicts.get(k);
            PathPrediction bounce = prediction(s, bounceFlows, k, v.mapType());
            PathPrediction p2p;
            if (v.mapType().supported()) {
                p2p = prediction(s, p2pFlows, k, v.mapType());
            } else {
                String why = v.kernelLog().isEmpty() ? "" : ": " + v.kernelLog().get(0);
                p2p = new PathPrediction(0, 0, "no P2P: the kernel's map type is " + v.mapType() + why, v.mapType(), v.path());
            }
            String winner = v.mapType().supported() && p2p.gbps() >= bounce.gbps() ? "p2p" : "bounce";
            out.add(new StreamPrediction(s, p2p, bounce, winner));
        }
        return out;
    }

    // ---------------------------------------------------------------- links

    /**
     * One PCIe link as the model rates it.
     *
     * @param label          for people: its two ends, width, speed, and whether it was assumed or trained down
     * @param speedGtps      the per-lane rate used (current, or the assumed default)
     * @param lanes          the width used
     * @param assumed        true when speed or width was unknown and the default was used
     * @param tlpGbps        capacity of one direction in TLP bytes, GB/s: lanes x GT/s x encoding / 8 x (1 - DLLP share)
     * @param framingBytes   per-TLP link-layer bytes on this link (0 in Gen6 FLIT mode)
     */
    public record LinkRate(String label, double speedGtps, int lanes, boolean assumed, double tlpGbps, int framingBytes) {

        /** Payload efficiency of posted writes with {@code mpsBytes} payload per TLP and a {@code headerBytes} header. */
        public double writeEfficiency(int mpsBytes, int headerBytes) {
            return (double) mpsBytes / (mpsBytes + headerBytes + framingBytes);
        }

        /** Payload GB/s of one direction for full TLPs of {@code mpsBytes} with a {@code headerBytes} header. */
        public double payloadGbps(int mpsBytes, int headerBytes) {
            return tlpGbps * writeEfficiency(mpsBytes, headerBytes);
        }
    }

    /** The link below bridge {@code bridge} to its child {@code child}. */
    private LinkRate link(int bridge, int child) {
        PciFunction c = topology.function(child);
        PciFunction b = topology.function(bridge);
        LinkInfo info = c.link().currentSpeedGtps() > 0 && c.link().currentWidth() > 0 ? c.link() : b.link();
        double speed = info.currentSpeedGtps();
        int lanes = info.currentWidth();
        boolean assumed = false;
        if (!(speed > 0)) {
            speed = params.unknownLinkSpeedGtps();
            assumed = true;
        }
        if (lanes <= 0) {
            lanes = params.unknownLinkWidthLanes();
            assumed = true;
        }
        double symbols = speed * lanes / 8.0;
        double tlp;
        int framing;
        if (speed <= 5.0) {
            tlp = symbols * 8.0 / 10.0 * (1 - params.dllpOverheadFraction());
            framing = params.tlpFramingBytes();
        } else if (speed <= 32.0) {
            tlp = symbols * 128.0 / 130.0 * (1 - params.dllpOverheadFraction());
            framing = params.tlpFramingBytes();
        } else {
            // FLIT mode (Gen6 on): 242 of 256 bytes are TLP and DLLP bytes (the rest CRC and FEC), 6 of
            // the 242 carry the DLLPs, and no TLP has its own framing or LCRC
            tlp = symbols * 236.0 / 256.0;
            framing = 0;
        }
        String ends = b.address() + " - " + c.address();
        String kind = c.portType() == PortType.UPSTREAM_PORT ? "switch uplink " : "link ";
        StringBuilder label = new StringBuilder(kind + ends + " (x" + lanes + " " + gt(speed) + " GT/s");
        if (assumed) {
            label.append(", assumed: link ").append(info.isUnknown() ? "unknown" : "speed or width unknown");
        } else if (info.maxSpeedGtps() > 0 && info.maxWidth() > 0
                && (info.maxSpeedGtps() > speed || info.maxWidth() > lanes)) {
            label.append(", trained down from x").append(info.maxWidth()).append(' ').append(gt(info.maxSpeedGtps())).append(" GT/s");
        }
        label.append(')');
        return new LinkRate(label.toString(), speed, lanes, assumed, tlp, framing);
    }

    /** Whether a physical link joins bridge {@code bridge} and its child: below a root or downstream port, never inside a switch. */
    private boolean physicalLink(int bridge, int child) {
        PortType bt = topology.function(bridge).portType();
        if (bt == PortType.ROOT_PORT || bt == PortType.DOWNSTREAM_PORT) {
            return true;
        }
        if (bt == PortType.UPSTREAM_PORT) {
            return false;
        }
        return topology.function(child).portType() != PortType.DOWNSTREAM_PORT;
    }

    // ---------------------------------------------------------------- routes

    /** One step of a route. */
    private sealed interface Hop permits DeviceHop, LinkHop, RootComplexHop, InterSocketHop, MemoryHop, CpuHop {
    }

    /** A PCI function the data passes (or starts or ends at). */
    private record DeviceHop(int index) implements Hop {
    }

    /** A link crossed upwards (towards the root) or downwards. */
    private record LinkHop(int bridge, int child, boolean up) implements Hop {
    }

    /** A host bridge / root complex on NUMA node {@code node}. */
    private record RootComplexHop(int hostBridge, int node) implements Hop {
    }

    /** The inter-socket link from one node to another. */
    private record InterSocketHop(int fromNode, int toNode) implements Hop {
    }

    /** Host memory on a node. */
    private record MemoryHop(int node) implements Hop {
    }

    /** The CPU-side work between the two transfers of a bounce. */
    private record CpuHop() implements Hop {
    }

    /** The upward half of a route from {@code index}: itself and every link and device up to {@code stopAt} (exclusive; -1: the root bus). */
    private List<Hop> upHops(int index, int stopAt) {
        List<Hop> hops = new ArrayList<>();
        int[] chain = topology.chain(index);
        for (int k = 0; k < chain.length; k++) {
            if (chain[k] == stopAt) {
                break;
            }
            hops.add(new DeviceHop(chain[k]));
            if (k + 1 < chain.length && physicalLink(chain[k + 1], chain[k])) {
                hops.add(new LinkHop(chain[k + 1], chain[k], true));
            }
        }
        return hops;
    }

    /** The same hops walked the other way: downwards, in reverse order. */
    private static List<Hop> down(List<Hop> up) {
        List<Hop> out = new ArrayList<>();
        for (int k = up.size() - 1; k >= 0; k--) {
            Hop h = up.get(k);
            out.add(h instanceof LinkHop l ? new LinkHop(l.bridge(), l.child(), false) : h);
        }
        return out;
    }

    /** The peer route from {@code a} to {@code b}: through the common switch for BUS_ADDR, else through the root complex. */
    private List<Hop> peerRoute(int a, int b, MapType type) {
        List<Hop> hops = new ArrayList<>();
        int common = -1;
        if (type == MapType.BUS_ADDR) {
            int[] cb = topology.chain(b);
            for (int x : topology.chain(a)) {
                for (int y : cb) {
                    if (x == y) {
                        common = x;
                        break;
                    }
                }
                if (common >= 0) {
                    break;
                }
            }
        }
        if (common >= 0) {
            hops.addAll(upHops(a, common));
            hops.add(new DeviceHop(common));
            hops.addAll(down(upHops(b, common)));
            return hops;
        }
        int na = nodeOf(a);
        int nb = nodeOf(b);
        hops.addAll(upHops(a, -1));
        hops.add(new RootComplexHop(topology.hostBridgeIndexOf(a), na));
        if (na != nb) {
            hops.add(new InterSocketHop(na, nb));
        }
        if (na != nb || topology.hostBridgeIndexOf(a) != topology.hostBridgeIndexOf(b)) {
            hops.add(new RootComplexHop(topology.hostBridgeIndexOf(b), nb));
        }
        hops.addAll(down(upHops(b, -1)));
        return hops;
    }

    /** Models which NUMA node a function's host bridge sits on: its own node, else the nearest upstream one's; 0 when none is known. */
    private int nodeOf(int index) {
        for (int x : topology.chain(index)) {
            if (topology.function(x).numaNode().isPresent()) {
                return topology.function(x).numaNode().getAsInt();
            }
        }
        return topology.hostBridgeDevice(topology.hostBridgeIndexOf(index)).map(f -> f.numaNode().orElse(0)).orElse(0);
    }

    /** The effective Max Payload Size of the devices on a route: the smallest, an unknown one counting as the default. */
    private int mps(List<Hop> hops) {
        int m = Integer.MAX_VALUE;
        for (Hop h : hops) {
            if (h instanceof DeviceHop d) {
                m = Math.min(m, topology.function(d.index()).maxPayloadBytes().orElse(params.unknownMaxPayloadBytes()));
            }
        }
        return m == Integer.MAX_VALUE ? params.unknownMaxPayloadBytes() : m;
    }

    // ---------------------------------------------------------------- flows

    /** A capacity the flows share. */
    private record Resource(String key, String label, double capacityGbps) {
    }

    /** One flow of payload, mutable while {@link #share} runs (confined to one {@link #predict} call). */
    private static final class Flow {
        /** Index of the stream. */
        final int stream;
        /** True for the to-to-from half of a both-ways stream. */
        final boolean reverse;
        /** The resources it uses and the bytes it puts on each per payload byte. */
        final Map<Resource, Double> use = new LinkedHashMap<>();
        /** Why each resource's use is what it is, for people. */
        final Map<Resource, String> why = new LinkedHashMap<>();
        /** The route, for people. */
        final List<String> path = new ArrayList<>();
        /** Its own limit (I/Os in flight over the time each takes), GB/s. */
        double capGbps = Double.POSITIVE_INFINITY;
        /** Why {@link #capGbps} is what it is. */
        String capWhy = "";
        /** Resulting payload rate, GB/s. */
        double rateGbps;
        /** What stopped it growing. */
        String bottleneck = "";
        /** Whether its rate is fixed. */
        boolean frozen;

        Flow(int stream, boolean reverse) {
            this.stream = stream;
            this.reverse = reverse;
        }

        void add(Resource r, double bytesPerPayloadByte, String why) {
            use.merge(r, bytesPerPayloadByte, Double::sum);
            this.why.merge(r, why, (a, b) -> a.equals(b) ? a : a + "; " + b);
        }
    }

    /**
     * One transfer along a route, alone on the machine.
     *
     * @param latencyNs    its fixed latency: the hops' latencies added
     * @param unsharedGbps the payload rate its slowest resource allows
     * @param limit        that resource and why, for people
     */
    private record Leg(double latencyNs, double unsharedGbps, String limit) {
    }

    /** The flow of a peer-to-peer stream direction. */
    private Flow p2pFlow(int k, boolean reverse, Stream s, MapType type) {
        Flow f = new Flow(k, reverse);
        int from = indexOf(s.from());
        int to = indexOf(s.to());
        List<Hop> route = peerRoute(from, to, type);
        boolean read = s.initiator().equals(s.to());
        Leg leg = transfer(f, route, s, read, topology.hostBridgeIndexOf(indexOf(s.initiator())), type == MapType.THRU_HOST_BRIDGE);
        describe(f, route);
        double inFlight = (double) s.queueDepth() * s.jobs();
        double latency = (read ? 2 : 1) * leg.latencyNs() + s.ioSizeBytes() / leg.unsharedGbps();
        f.capGbps = inFlight * s.ioSizeBytes() / latency;
        double pathNs = (read ? 2 : 1) * leg.latencyNs();
        f.capWhy = pathNs * 4 < s.ioSizeBytes() / leg.unsharedGbps()
                ? String.format(Locale.ROOT, "%s; each I/O also waits %.2f µs of %s (%d in flight)", leg.limit(), pathNs / 1000,
                        read ? "read round trip" : "path latency", (long) inFlight)
                : String.format(Locale.ROOT, "I/O latency: %d I/O(s) of %s in flight, each %.2f µs (%s %.2f µs + transfer)", (long) inFlight,
                        bytes(s.ioSizeBytes()), latency / 1000, read ? "read round trip" : "path latency", pathNs / 1000);
        return f;
    }

    /** The flow of a bounce: {@code from} writes into host memory, {@code to} reads it from there. */
    private Flow bounceFlow(int k, boolean reverse, Stream s) {
        Flow f = new Flow(k, reverse);
        int from = indexOf(s.from());
        int to = indexOf(s.to());
        int memNode = nodeOf(from);
        int toNode = nodeOf(to);
        List<Hop> leg1 = new ArrayList<>(upHops(from, -1));
        leg1.add(new RootComplexHop(topology.hostBridgeIndexOf(from), memNode));
        leg1.add(new MemoryHop(memNode));
        List<Hop> leg2 = new ArrayList<>();
        leg2.add(new MemoryHop(memNode));
        if (toNode != memNode) {
            leg2.add(new InterSocketHop(memNode, toNode));
        }
        leg2.add(new RootComplexHop(topology.hostBridgeIndexOf(to), toNode));
        leg2.addAll(down(upHops(to, -1)));
        Leg l1 = transfer(f, leg1, s, false, topology.hostBridgeIndexOf(from), true);
        Leg l2 = transfer(f, leg2, s, true, topology.hostBridgeIndexOf(to), true);
        List<Hop> all = new ArrayList<>(leg1);
        all.add(new CpuHop());
        all.addAll(leg2.subList(1, leg2.size()));
        describe(f, all);
        double inFlight = (double) s.queueDepth() * s.jobs();
        double cpuNs = params.bounceCpuLatencyUs() * 1000;
        double latency = l1.latencyNs() + 2 * l2.latencyNs() + cpuNs + s.ioSizeBytes() / l1.unsharedGbps() + s.ioSizeBytes() / l2.unsharedGbps();
        f.capGbps = inFlight * s.ioSizeBytes() / latency;
        String slower = l1.unsharedGbps() <= l2.unsharedGbps() ? l1.limit() : l2.limit();
        f.capWhy = String.format(Locale.ROOT, "staging: each I/O is two transfers one after the other plus %.1f µs of CPU (%.2f µs for %s), "
                + "%d I/O(s) in flight; slower transfer: %s", params.bounceCpuLatencyUs(), latency / 1000, bytes(s.ioSizeBytes()),
                (long) inFlight, slower);
        return f;
    }

    /**
     * Adds the resources of one transfer along {@code route} to {@code f} (data in the route's
     * direction; read requests the other way when {@code read}) and returns its fixed latency and
     * the rate it would get alone.
     */
    private Leg transfer(Flow f, List<Hop> route, Stream s, boolean read, int iommuHostBridge, boolean translated) {
        int mps = mps(route);
        long size = s.ioSizeBytes();
        long tlps = (size + mps - 1) / mps;
        int dataHeader = read ? params.completionHeaderBytes() : params.requestHeaderBytes();
        int mrrs = topology.function(indexOf(s.to())).maxReadRequestBytes().orElse(params.unknownMaxReadRequestBytes());
        long requests = (size + mrrs - 1) / mrrs;
        double latency = 0;
        boolean rootComplexCounted = false;
        java.util.Set<Integer> forwardingNodes = new java.util.HashSet<>();
        double alone = Double.POSITIVE_INFINITY;
        Map<Resource, Double> mine = new LinkedHashMap<>();
        for (Hop h : route) {
            switch (h) {
                case LinkHop l -> {
                    LinkRate rate = link(l.bridge(), l.child());
                    double wire = (size + tlps * (double) (dataHeader + rate.framingBytes())) / size;
                    Resource r = new Resource("link " + l.bridge() + ">" + l.child() + (l.up() ? " up" : " down"),
                            rate.label() + (l.up() ? ", upward" : ", downward"), rate.tlpGbps());
                    String why = String.format(Locale.ROOT, "MPS %d: %.1f %% of its %.2f GB/s of TLP bytes is payload", mps,
                            100 / wire, rate.tlpGbps());
                    f.add(r, wire, why);
                    mine.merge(r, wire, Double::sum);
                    if (read) {
                        double req = requests * (double) (params.requestHeaderBytes() + rate.framingBytes()) / size;
                        Resource back = new Resource("link " + l.bridge() + ">" + l.child() + (l.up() ? " down" : " up"),
                                rate.label() + (l.up() ? ", downward" : ", upward"), rate.tlpGbps());
                        f.add(back, req, "read requests of " + mrrs + " bytes");
                        mine.merge(back, req, Double::sum);
                    }
                    latency += params.linkLatencyNs();
                }
                case DeviceHop d -> {
                    if (topology.function(d.index()).portType() == PortType.UPSTREAM_PORT) {
                        latency += params.switchLatencyNs();
                    }
                }
                case RootComplexHop rc -> {
                    if (!rootComplexCounted) {
                        latency += params.rootComplexLatencyNs();
                        rootComplexCounted = true;
                    }
                    if (route.stream().noneMatch(x -> x instanceof MemoryHop) && forwardingNodes.add(rc.node())) {
                        Resource r = new Resource("rc " + rc.node(), "root complex peer forwarding of node " + rc.node(),
                                params.rootComplexP2pGbps());
                        f.add(r, 1, "peer traffic through the root complex");
                        mine.merge(r, 1.0, Double::sum);
                    }
                }
                case InterSocketHop x -> {
                    latency += params.interSocketLatencyNs();
                    Resource r = new Resource("xsocket " + x.fromNode() + ">" + x.toNode(),
                            "inter-socket link node " + x.fromNode() + " -> node " + x.toNode(), params.interSocketP2pGbps());
                    f.add(r, 1, "cross-socket path");
                    mine.merge(r, 1.0, Double::sum);
                }
                case MemoryHop m -> {
                    latency += params.hostMemoryLatencyNs();
                    Resource r = new Resource("memory " + m.node(), "host memory of node " + m.node(), params.hostMemoryGbps());
                    f.add(r, 1, "the bounce writes and reads every byte");
                    mine.merge(r, 1.0, Double::sum);
                }
                case CpuHop c -> {
                }
            }
        }
        if (translated && iommu.translates()) {
            latency += params.iotlbMissNs();
            double walkGbps = (double) params.iommuPageBytes() * params.iommuConcurrentWalks() / params.iotlbMissNs();
            String hb = topology.hostBridges().get(iommuHostBridge).name();
            Resource r = new Resource("iommu " + iommuHostBridge, "IOMMU of host bridge " + hb, walkGbps);
            String why = String.format(Locale.ROOT, "one IOTLB miss per %d-byte page, %.0f ns each, %d walks at once", params.iommuPageBytes(),
                    params.iotlbMissNs(), params.iommuConcurrentWalks());
            f.add(r, 1, why);
            mine.merge(r, 1.0, Double::sum);
        }
        String limit = "nothing";
        for (Map.Entry<Resource, Double> e : mine.entrySet()) {
            double r = e.getKey().capacityGbps() / e.getValue();
            if (r < alone) {
                alone = r;
                limit = e.getKey().label() + ": " + f.why.get(e.getKey());
            }
        }
        return new Leg(latency, alone, limit);
    }

    /** Writes the route for people into {@code f}'s path. */
    private void describe(Flow f, List<Hop> route) {
        for (Hop h : route) {
            f.path.add(switch (h) {
                case DeviceHop d -> topology.function(d.index()).address().toString();
                case LinkHop l -> {
                    LinkRate r = link(l.bridge(), l.child());
                    yield "x" + r.lanes() + " " + gt(r.speedGtps()) + " GT/s " + (l.up() ? "up" : "down");
                }
                case RootComplexHop rc -> "host bridge " + topology.hostBridges().get(rc.hostBridge()).name() + " (node " + rc.node() + ")";
                case InterSocketHop x -> "inter-socket link node " + x.fromNode() + " -> node " + x.toNode();
                case MemoryHop m -> "host memory (node " + m.node() + ")";
                case CpuHop c -> String.format(Locale.ROOT, "CPU %.1f µs", params.bounceCpuLatencyUs());
            });
        }
    }

    /**
     * Max-min fair sharing by progressive filling: every unfrozen flow grows at the same payload
     * rate; when a resource fills, the flows on it freeze (it is their bottleneck); when a flow
     * reaches its own limit, it freezes.
     */
    private static void share(List<Flow> flows) {
        Map<Resource, Double> frozenUse = new LinkedHashMap<>();
        int left = flows.size();
        while (left > 0) {
            double level = Double.POSITIVE_INFINITY;
            Map<Resource, Double> activeUse = new LinkedHashMap<>();
            for (Flow f : flows) {
                if (!f.frozen) {
                    level = Math.min(level, f.capGbps);
                    f.use.forEach((r, a) -> activeUse.merge(r, a, Double::sum));
                }
            }
            Map<Resource, Double> fill = new LinkedHashMap<>();
            for (Map.Entry<Resource, Double> e : activeUse.entrySet()) {
                double t = (e.getKey().capacityGbps() - frozenUse.getOrDefault(e.getKey(), 0.0)) / e.getValue();
                fill.put(e.getKey(), t);
                level = Math.min(level, Math.max(0, t));
            }
            if (Double.isInfinite(level)) {
                for (Flow f : flows) {
                    if (!f.frozen) {
                        f.frozen = true;
                        f.rateGbps = 0;
                        f.bottleneck = "no link on the path: nothing the model knows rates it";
                    }
                }
                return;
            }
            double at = level;
            for (Flow f : flows) {
                if (f.frozen) {
                    continue;
                }
                Resource full = null;
                for (Resource r : f.use.keySet()) {
                    if (fill.get(r) <= at * (1 + EPSILON) && (full == null || f.use.get(r) > f.use.get(full) * (1 + EPSILON)
                            || Math.abs(f.use.get(r) - f.use.get(full)) <= f.use.get(full) * EPSILON && users(flows, r) > users(flows, full))) {
                        full = r;
                    }
                }
                if (full != null) {
                    long sharing = users(flows, full);
                    f.bottleneck = full.label() + ": " + f.why.get(full)
                            + (sharing > 1 ? "; " + sharing + " flows share it" : "");
                } else if (f.capGbps <= at * (1 + EPSILON)) {
                    f.bottleneck = f.capWhy;
                } else {
                    continue;
                }
                f.rateGbps = at;
                f.frozen = true;
                left--;
            }
            frozenUse.clear();
            for (Flow f : flows) {
                if (f.frozen) {
                    f.use.forEach((r, a) -> frozenUse.merge(r, a * f.rateGbps, Double::sum));
                }
            }
        }
    }

    /** The prediction of one path of stream {@code k} from its shared flows (the slower direction of a both-ways stream). */
    private static PathPrediction prediction(Stream s, List<Flow> flows, int k, MapType type) {
        Flow slow = null;
        for (Flow f : flows) {
            if (f.stream == k && (slow == null || f.rateGbps < slow.rateGbps)) {
                slow = f;
            }
        }
        if (slow == null) {
            throw new IllegalStateException("stream without a flow");
        }
        String bottleneck = slow.bottleneck;
        if (s.bothWays()) {
            bottleneck = (slow.reverse ? "reverse direction: " : "forward direction: ") + bottleneck;
        }
        boolean redirected = redirectedLink(slow);
        if (redirected) {
            bottleneck += "; peer traffic goes up to the root complex and back down the same link";
        }
        double inFlight = (double) s.queueDepth() * s.jobs();
        double latencyUs = slow.rateGbps > 0 ? inFlight * s.ioSizeBytes() / slow.rateGbps / 1000 : 0;
        return new PathPrediction(slow.rateGbps, latencyUs, bottleneck, type, slow.path);
    }

    /** Whether the flow's bottleneck is a link it crosses with payload in both directions (ACS redirect up and back down). */
    private static boolean redirectedLink(Flow f) {
        for (Map.Entry<Resource, Double> e : f.use.entrySet()) {
            String key = e.getKey().key();
            if (!key.startsWith("link ") || e.getValue() < 1 || !f.bottleneck.startsWith(e.getKey().label())) {
                continue;
            }
            String other = key.endsWith(" up") ? key.substring(0, key.length() - 3) + " down" : key.substring(0, key.length() - 5) + " up";
            for (Map.Entry<Resource, Double> g : f.use.entrySet()) {
                if (g.getKey().key().equals(other) && g.getValue() >= 1) {
                    return true;
                }
            }
        }
        return false;
    }

    /** How many flows use {@code r}. */
    private static long users(List<Flow> flows, Resource r) {
        return flows.stream().filter(g -> g.use.containsKey(r)).count();
    }

    // ---------------------------------------------------------------- helpers

    private int indexOf(PciAddress a) {
        int i = topology.indexOf(a);
        if (i < 0) {
            throw new IllegalArgumentException("no such function: " + a);
        }
        return i;
    }

    /** The same stream running from {@code to} to {@code from}, mastered the same way (a writer stays the writer of its direction). */
    private static Stream reversed(Stream s) {
        PciAddress initiator = s.initiator().equals(s.from()) ? s.to() : s.from();
        return new Stream(s.name(), s.to(), s.from(), initiator, s.ioSizeBytes(), s.queueDepth(), s.jobs(), false);
    }

    /** What the model assumes about this machine, one line per kind of unknown. */
    private List<String> machineAssumptions() {
        List<String> out = new ArrayList<>();
        List<String> unknownMps = new ArrayList<>();
        boolean anyNode = false;
        for (int i = 0; i < topology.size(); i++) {
            PciFunction f = topology.function(i);
            anyNode |= f.numaNode().isPresent();
            int up = topology.upstream(i);
            if (up >= 0 && physicalLink(up, i) && !f.isVirtfn()) {
                LinkRate r = link(up, i);
                if (r.assumed()) {
                    out.add(String.format(Locale.ROOT, "link above %s: speed or width unknown, assumed x%d %s GT/s", f.address(),
                            r.lanes(), gt(r.speedGtps())));
                }
            }
            if (f.maxPayloadBytes().isEmpty() && f.portType() != PortType.CONVENTIONAL_PCI && !f.isVirtfn()) {
                unknownMps.add(f.address().toString());
            }
        }
        if (unknownMps.size() == 1) {
            out.add("max payload size of " + unknownMps.get(0) + " unknown, assumed " + params.unknownMaxPayloadBytes() + " bytes");
        } else if (!unknownMps.isEmpty()) {
            out.add("max payload size of " + unknownMps.size() + " functions unknown (" + unknownMps.get(0) + ", ...), assumed "
                    + params.unknownMaxPayloadBytes() + " bytes");
        }
        if (!anyNode) {
            out.add("no NUMA nodes known: every host bridge assumed on node 0 (no inter-socket link)");
        }
        if (iommu.translates()) {
            out.add("the IOMMU translates DMA (" + iommu.groupType() + "): every streamed page costs one IOTLB miss");
        }
        return out;
    }

    private static String gt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static String bytes(long n) {
        if (n >= 1 << 20 && n % (1 << 20) == 0) {
            return (n >> 20) + " MiB";
        }
        if (n >= 1 << 10 && n % (1 << 10) == 0) {
            return (n >> 10) + " KiB";
        }
        return n + " bytes";
    }
}
