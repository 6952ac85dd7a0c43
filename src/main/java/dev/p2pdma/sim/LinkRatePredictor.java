package dev.p2pdma.sim;

import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A first-order bandwidth predictor: a stream runs at the rate of the slowest link on its path,
 * each link's current speed times width times its encoding (8b/10b up to 5 GT/s, 128b/130b from
 * 8 GT/s), with no TLP, DLLP or latency overheads, no sharing between streams and full duplex
 * links. The P2P path is the tree route of the kernel's verdict (below the common upstream port for
 * BUS_ADDR, up through the root complex otherwise); the bounce path is two transfers through host
 * memory, the source's chain up to the root and the destination's chain down from it, overlapped
 * by a queue depth above 1 (the slower leg limits) and one after the other at queue depth 1. A link
 * the input does not describe is skipped; a path with no known link is assumed 16 GT/s x16 and
 * says so. Stands in for the full bandwidth model of issue 13 part 3. Immutable; thread-safe.
 */
public final class LinkRatePredictor implements BandwidthPredictor {

    /** The rate assumed for a path whose links the input does not describe: 16 GT/s x16. */
    private static final LinkInfo ASSUMED = new LinkInfo(16, 16, 16, 16);

    /** The machine. */
    private final LoadedMachine machine;

    /** A predictor for {@code machine}. */
    public LinkRatePredictor(LoadedMachine machine) {
        this.machine = machine;
    }

    /** Payload GB/s of a link at its current speed and width (10^9 bytes per second, one direction). */
    static double gbps(LinkInfo l) {
        double encoding = l.currentSpeedGtps() <= 5.0 ? 8.0 / 10.0 : 128.0 / 130.0;
        return l.currentSpeedGtps() * l.currentWidth() * encoding / 8.0;
    }

    @Override
    public List<StreamPrediction> predict(List<Stream> streams) {
        List<StreamPrediction> out = new ArrayList<>();
        for (Stream s : streams) {
            PciAddress provider = s.initiator().equals(s.from()) ? s.to() : s.from();
            P2pVerdict v = machine.decision().verdict(provider, s.initiator());
            PciTopology t = machine.topology();
            int from = t.indexOf(s.from());
            int to = t.indexOf(s.to());
            boolean switchOnly = v.mapType() == MapType.BUS_ADDR;
            int common = switchOnly ? commonAncestor(t, from, to) : -1;
            List<Integer> p2pLinks = new ArrayList<>(chain(t, from, common));
            p2pLinks.addAll(chain(t, to, common));
            Slowest p2p = slowest(t, p2pLinks);
            Slowest up = slowest(t, chain(t, from, -1));
            Slowest down = slowest(t, chain(t, to, -1));
            double io = s.ioSizeBytes();
            double bounceGbps = s.queueDepth() > 1 ? Math.min(up.gbps, down.gbps) : 1.0 / (1.0 / up.gbps + 1.0 / down.gbps);
            Slowest bounceLimit = up.gbps <= down.gbps ? up : down;
            PathPrediction p = new PathPrediction(p2p.gbps, io / p2p.gbps / 1000.0, p2p.name, v.mapType(), v.path());
            List<String> bouncePath = new ArrayList<>();
            bouncePath.add(s.from().toString());
            bouncePath.add("host memory");
            bouncePath.add(s.to().toString());
            PathPrediction b = new PathPrediction(bounceGbps, (io / up.gbps + io / down.gbps) / 1000.0, bounceLimit.name, v.mapType(), bouncePath);
            boolean p2pWins = v.mapType() != MapType.NOT_SUPPORTED && p.gbps() >= b.gbps();
            out.add(new StreamPrediction(s, p, b, p2pWins ? "p2p" : "bounce"));
        }
        return out;
    }

    /** The slowest link and its rate. */
    private record Slowest(double gbps, String name) {
    }

    private static Slowest slowest(PciTopology t, List<Integer> functions) {
        double best = Double.MAX_VALUE;
        String name = "";
        for (int i : functions) {
            LinkInfo l = linkAbove(t, i);
            if (l.currentSpeedGtps() <= 0 || l.currentWidth() <= 0) {
                continue;
            }
            double g = gbps(l);
            if (g < best) {
                best = g;
                name = String.format(Locale.ROOT, "link above %s (x%d %s GT/s)", t.function(i).address(), l.currentWidth(), speed(l));
            }
        }
        if (name.isEmpty()) {
            return new Slowest(gbps(ASSUMED), "no link known on the path: assumed x16 16 GT/s");
        }
        return new Slowest(best, name);
    }

    private static String speed(LinkInfo l) {
        double v = l.currentSpeedGtps();
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** The link between function {@code i} and its parent: its own link status, else the parent port's. */
    private static LinkInfo linkAbove(PciTopology t, int i) {
        PciFunction f = t.function(i);
        if (f.link().currentSpeedGtps() > 0 && f.link().currentWidth() > 0) {
            return f.link();
        }
        int p = t.parent(i);
        return p >= 0 ? t.function(p).link() : LinkInfo.UNKNOWN;
    }

    /**
     * Functions from {@code i} up to, not including, {@code stop} (-1: the root bus) that have a
     * PCIe link above them: not those on a root bus, nor switch downstream ports (inside the switch).
     */
    private static List<Integer> chain(PciTopology t, int i, int stop) {
        List<Integer> out = new ArrayList<>();
        for (int a = i; a >= 0 && a != stop; a = t.parent(a)) {
            if (t.parent(a) >= 0 && t.function(a).portType() != PortType.DOWNSTREAM_PORT) {
                out.add(a);
            }
        }
        return out;
    }

    private static int commonAncestor(PciTopology t, int a, int b) {
        for (int x = a; x >= 0; x = t.parent(x)) {
            for (int y = b; y >= 0; y = t.parent(y)) {
                if (x == y) {
                    return x;
                }
            }
        }
        return -1;
    }
}
