package dev.p2pdma.runtime;

import dev.p2pdma.block.IoVec;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.machine.ODirectCall;
import dev.p2pdma.machine.ODirectOps;
import dev.p2pdma.machine.ODirectProcess;
import dev.p2pdma.machine.ODirectResult;
import dev.p2pdma.machine.RunningMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.PciAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * GPUDirect Storage's outcome run through the data plane instead of derived: boots the machine in
 * the model once and, for each client that is an NVMe controller, does what {@code p2pdma odirect
 * PROVIDER CLIENT} does (a 4 KiB pread from LBA 0 into 64 KiB of the provider's mmapped p2pmem and a
 * 4 KiB pwrite from it at 1 MiB). Used by {@code explain} (one provider, a few clients); the matrix
 * and the report derive the outcome ({@link GdsP2pdma}), which {@code DeviceMemoryRuntimesTest}
 * checks against this. Stateless.
 */
public final class GdsDataPlane {

    /** The p2pmem the process maps, as {@code odirect}'s pair form does: 64 KiB. */
    private static final long MMAP_BYTES = 64L << 10;
    /** One logical block's worth of I/O: 4 KiB. */
    private static final int IO_BYTES = 4096;

    private GdsDataPlane() {
    }

    /**
     * The data plane's outcome per client, in order; empty for a client that is not an NVMe
     * controller, and for every client when the provider has no p2pmem to map or the machine cannot
     * be booted in the model.
     *
     * @param mapTypes the kernel's map type of each (provider, client) pair, for the comparison
     */
    public static List<Optional<RuntimeDecision>> run(LoadedMachine machine, PciAddress provider, List<PciAddress> clients, List<MapType> mapTypes) {
        List<Optional<RuntimeDecision>> out = new ArrayList<>();
        clients.forEach(c -> out.add(Optional.empty()));
        boolean anyNvme = clients.stream().anyMatch(c -> machine.topology().function(c).map(f -> DeviceKind.of(f) == DeviceKind.NVME).orElse(false));
        if (!anyNvme || machine.topology().function(provider).flatMap(f -> f.p2pmem()).isEmpty()) {
            return out;
        }
        ODirectProcess process;
        try {
            RunningMachine m = RunningMachine.boot(machine, RunningMachine.DEFAULT_RAM_BYTES);
            if (m.providers().provider(provider).isEmpty()) {
                return out;
            }
            process = ODirectProcess.start(m, provider, MMAP_BYTES, false);
        } catch (IllegalArgumentException e) {
            return out;
        }
        long buffer = process.addressOf(ODirectOps.BufferKind.P2PMEM, 0);
        for (int k = 0; k < clients.size(); k++) {
            PciAddress c = clients.get(k);
            try {
                process.host(c);
            } catch (IllegalArgumentException notNvme) {
                continue;
            }
            ODirectCall read = process.call("read", false, c, 0, List.of(new IoVec(buffer, IO_BYTES)));
            ODirectCall write = process.call("write", true, c, 1L << 20, List.of(new IoVec(buffer, IO_BYTES)));
            out.set(k, Optional.of(decision(read.result(), write.result(), mapTypes.get(k))));
        }
        return out;
    }

    /** The GDS decision from a read's and a write's results. */
    static RuntimeDecision decision(ODirectResult read, ODirectResult write, MapType mapType) {
        String reason = "O_DIRECT run through the model's data plane (p2pdma odirect): 4 KiB read " + text(read) + ", write " + text(write);
        Optional<ODirectResult> bad = Optional.of(read).filter(r -> !(r instanceof ODirectResult.Bytes))
                .or(() -> Optional.of(write).filter(w -> !(w instanceof ODirectResult.Bytes)));
        if (bad.isEmpty()) {
            return RuntimeDecision.agreeing(Runtime.GDS, Outcome.PEER, "P2P", reason);
        }
        boolean hung = bad.get() instanceof ODirectResult.Hung;
        String decision = hung ? "hangs" : "-" + ((ODirectResult.Failed) bad.get()).errno().name();
        Optional<String> differs = mapType.supported()
                ? Optional.of("the kernel allows " + mapType + ", but the 6.12 NVMe data path " + (hung ? "never completes the I/O" : "fails it"))
                : Optional.empty();
        return new RuntimeDecision(Runtime.GDS, Outcome.REFUSED, decision, reason, differs);
    }

    private static String text(ODirectResult r) {
        return switch (r) {
            case ODirectResult.Bytes b -> "ok";
            case ODirectResult.Failed f -> "-" + f.errno().name();
            case ODirectResult.Hung h -> "never returns";
        };
    }
}
