package dev.p2pdma.sim;

import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.PciAddress;
import java.util.List;

/**
 * Predicts steady-state throughput and latency of data streams on one machine, for the P2P path
 * and for the bounce through host memory side by side (issue 13, part 3). Implementations are
 * immutable and thread-safe; one machine (topology, kernel verdicts, parameters) per instance.
 */
public interface BandwidthPredictor {

    /**
     * One stream as the bandwidth model sees it: bytes moving from one device's side to another's,
     * with the device that masters the DMA (posted writes when it is {@code from}, read requests
     * and completions when it is {@code to}).
     *
     * @param name         the stream's name, for people
     * @param from         where the data comes from (an NVMe controller reading its media, an accelerator's BAR)
     * @param to           where the data goes (the device whose BAR or p2pmem receives it, or the NVMe controller that writes it)
     * @param initiator    the device whose DMA engine moves the data: {@code from} or {@code to}
     * @param ioSizeBytes  bytes per I/O (per DMA transfer)
     * @param queueDepth   I/Os in flight per job
     * @param jobs         concurrent jobs of the stream
     * @param bothWays     true when the same stream also runs from {@code to} to {@code from} at the same time
     */
    record Stream(String name, PciAddress from, PciAddress to, PciAddress initiator, long ioSizeBytes, int queueDepth, int jobs,
                  boolean bothWays) {
        public Stream {
            if (!initiator.equals(from) && !initiator.equals(to)) {
                throw new IllegalArgumentException(name + ": the initiator must be one of the two devices");
            }
            if (ioSizeBytes <= 0 || queueDepth <= 0 || jobs <= 0) {
                throw new IllegalArgumentException(name + ": I/O size, queue depth and jobs must be positive");
            }
        }
    }

    /**
     * The prediction for one path of one stream.
     *
     * @param gbps        predicted steady-state throughput in GB/s (10^9 bytes per second) of payload, per direction
     * @param latencyUs   predicted latency of one I/O in microseconds
     * @param bottleneck  the link or mechanism that limits the throughput, named for people ("uplink 0000:01:00.0 (x16 16 GT/s), both directions of redirected peer traffic")
     * @param mapType     the kernel's map type for the pair (the bounce path reports the type it avoids)
     * @param path        the hops the data takes, in order, for people
     */
    record PathPrediction(double gbps, double latencyUs, String bottleneck, MapType mapType, List<String> path) {
        public PathPrediction {
            path = List.copyOf(path);
        }
    }

    /**
     * Both paths of one stream and which is faster.
     *
     * @param stream the stream
     * @param p2p    the direct path (through a switch, or through the host bridge)
     * @param bounce the two transfers through host memory plus the CPU-side cost
     * @param winner {@code "p2p"} or {@code "bounce"}; {@code "bounce"} also when P2P is not supported
     */
    record StreamPrediction(Stream stream, PathPrediction p2p, PathPrediction bounce, String winner) {
    }

    /**
     * Predicts every stream running at the same time: links the streams share are shared between
     * them, in each direction separately.
     */
    List<StreamPrediction> predict(List<Stream> streams);
}
