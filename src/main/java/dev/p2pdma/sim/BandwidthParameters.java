package dev.p2pdma.sim;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The named parameters of the {@link BandwidthModel}: every number the model uses that the
 * topology does not give. {@link #DEFAULTS} documents each default and where it comes from
 * (README "The bandwidth model"); {@link #with(String, double)} overrides one by its name.
 *
 * <p>Invariants: every value is finite and positive, except the fractions, which lie in [0, 1).
 * Immutable and thread-safe.
 *
 * @param unknownLinkSpeedGtps        per-lane rate assumed for a link whose speed is unknown (GT/s); default 16 (Gen4)
 * @param unknownLinkWidthLanes       width assumed for a link whose width is unknown (lanes); default 16
 * @param unknownMaxPayloadBytes      Max Payload Size assumed for a function whose Device Control is unknown; default 256 (what Linux's default MPS configuration leaves on most servers)
 * @param unknownMaxReadRequestBytes  Max Read Request Size assumed when unknown; default 512 (the PCIe reset value)
 * @param requestHeaderBytes          header of a memory request TLP: 16 (4 DW, 64-bit address; PCIe base spec 2.2.1)
 * @param completionHeaderBytes       header of a completion TLP: 12 (3 DW; PCIe base spec 2.2.9)
 * @param tlpFramingBytes             per-TLP link-layer bytes before Gen6: Gen3-5 4-byte STP token (which carries the 12-bit sequence number) + 4-byte LCRC; Gen1-2 1-byte STP + 2-byte sequence + 4-byte LCRC + 1-byte END: 8 either way
 * @param dllpOverheadFraction        share of a pre-Gen6 link's bytes taken by Ack and UpdateFC DLLPs; default 0.02 (an 8-byte Ack and an 8-byte UpdateFC per about 3 TLPs of 280 bytes; Xilinx WP350 puts DLLP overhead at a few percent)
 * @param linkLatencyNs               one link traversal, both PHYs and the data link layer (ns); default 40
 * @param switchLatencyNs             one switch, ingress to egress, cut-through (ns); default 110 (Broadcom PEX88000/89000 briefs: about 100 ns port to port)
 * @param rootComplexLatencyNs        the root complex between a root port and memory or another root port (ns); default 300 (order of the 400-500 ns DMA read round trips measured by Neugebauer et al., SIGCOMM 2018)
 * @param interSocketLatencyNs        one crossing of the inter-socket link (ns); default 100 (the usual remote-minus-local DRAM latency of two-socket servers)
 * @param hostMemoryLatencyNs         DRAM access at the end of a DMA to or from host memory (ns); default 100
 * @param rootComplexP2pGbps          peer-to-peer forwarding capacity of one socket's root complex, both directions together (GB/s); default 128, no public figure: above the 111 GB/s bi measured between two Gen5 x16 root ports of one AMD Turin socket, so that pair stays link-limited
 * @param interSocketP2pGbps          peer traffic one inter-socket link direction carries (GB/s); default 51, from the one published cross-socket figure (voipmonitor/rtx6kpro, 2x AMD EPYC 9005)
 * @param hostMemoryGbps              DRAM bandwidth of one NUMA node, reads and writes together (GB/s); default 460.8 (12 channels of DDR5-4800, 8 bytes per transfer)
 * @param iommuPageBytes              IOVA page size the IOMMU maps with (bytes); default 4096
 * @param iotlbMissNs                 one IOTLB miss: a page walk (ns); default 330 (the IOTLB miss cost Neugebauer et al. measured)
 * @param iommuConcurrentWalks        page walks one IOMMU runs at once; default 8 (assumption); with one miss per streamed page an IOMMU translates at most pageBytes x walks / missNs GB/s
 * @param bounceCpuLatencyUs          CPU-side cost of each staged I/O: completion of the copy into RAM seen, the copy out launched (µs); default 13, so that a small staged copy costs about 14 µs as published (voipmonitor/rtx6kpro, P2P disabled)
 */
public record BandwidthParameters(double unknownLinkSpeedGtps, int unknownLinkWidthLanes, int unknownMaxPayloadBytes,
                                  int unknownMaxReadRequestBytes, int requestHeaderBytes, int completionHeaderBytes, int tlpFramingBytes,
                                  double dllpOverheadFraction, double linkLatencyNs, double switchLatencyNs, double rootComplexLatencyNs,
                                  double interSocketLatencyNs, double hostMemoryLatencyNs, double rootComplexP2pGbps,
                                  double interSocketP2pGbps, double hostMemoryGbps, int iommuPageBytes, double iotlbMissNs,
                                  int iommuConcurrentWalks, double bounceCpuLatencyUs) {

    /** The documented defaults. */
    public static final BandwidthParameters DEFAULTS = new BandwidthParameters(16, 16, 256, 512, 16, 12, 8, 0.02, 40, 110, 300,
            100, 100, 128, 51, 460.8, 4096, 330, 8, 13);

    /** Checks the invariants. */
    public BandwidthParameters {
        double[] positive = {unknownLinkSpeedGtps, unknownLinkWidthLanes, unknownMaxPayloadBytes, unknownMaxReadRequestBytes,
            requestHeaderBytes, completionHeaderBytes, rootComplexP2pGbps, interSocketP2pGbps, hostMemoryGbps, iommuPageBytes,
            iommuConcurrentWalks};
        for (double v : positive) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("bandwidth parameters must be positive and finite, got " + v);
            }
        }
        double[] nonNegative = {tlpFramingBytes, linkLatencyNs, switchLatencyNs, rootComplexLatencyNs, interSocketLatencyNs,
            hostMemoryLatencyNs, iotlbMissNs, bounceCpuLatencyUs};
        for (double v : nonNegative) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("bandwidth latencies and framing must be zero or positive and finite, got " + v);
            }
        }
        if (!(dllpOverheadFraction >= 0 && dllpOverheadFraction < 1)) {
            throw new IllegalArgumentException("dllpOverheadFraction must lie in [0, 1), got " + dllpOverheadFraction);
        }
    }

    /** The parameters' names, in declaration order (the record components). */
    public static List<String> names() {
        return Arrays.stream(BandwidthParameters.class.getRecordComponents()).map(RecordComponent::getName).toList();
    }

    /** The value of the parameter {@code name}. */
    public double get(String name) {
        RecordComponent c = component(name);
        try {
            return ((Number) c.getAccessor().invoke(this)).doubleValue();
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * These parameters with {@code name} set to {@code value}.
     *
     * @throws IllegalArgumentException naming the parameter for an unknown name, a fraction where a
     *                                  whole number is needed, or a value outside its range
     */
    public BandwidthParameters with(String name, double value) {
        RecordComponent[] all = BandwidthParameters.class.getRecordComponents();
        Object[] args = new Object[all.length];
        Class<?>[] types = new Class<?>[all.length];
        component(name);
        for (int i = 0; i < all.length; i++) {
            types[i] = all[i].getType();
            double v = all[i].getName().equals(name) ? value : get(all[i].getName());
            if (types[i] == int.class) {
                if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("bandwidth parameter " + name + " needs a whole number, got " + value);
                }
                args[i] = (int) v;
            } else {
                args[i] = v;
            }
        }
        try {
            return BandwidthParameters.class.getDeclaredConstructor(types).newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("bandwidth parameter " + name + ": " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** These parameters with every entry of {@code overrides} applied, in the map's order. */
    public BandwidthParameters with(Map<String, Double> overrides) {
        BandwidthParameters p = this;
        for (Map.Entry<String, Double> e : overrides.entrySet()) {
            p = p.with(e.getKey(), e.getValue());
        }
        return p;
    }

    /** The parameters that differ from {@link #DEFAULTS}, as {@code name=value}, for people. */
    public List<String> overridden() {
        List<String> out = new ArrayList<>();
        for (String n : names()) {
            if (get(n) != DEFAULTS.get(n)) {
                out.add(n + "=" + get(n));
            }
        }
        return out;
    }

    private static RecordComponent component(String name) {
        for (RecordComponent c : BandwidthParameters.class.getRecordComponents()) {
            if (c.getName().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown bandwidth parameter '" + name + "' (known: " + String.join(", ", names()) + ")");
    }
}
