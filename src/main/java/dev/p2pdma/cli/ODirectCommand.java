package dev.p2pdma.cli;

import dev.p2pdma.block.IoVec;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.machine.ODirectCall;
import dev.p2pdma.machine.ODirectOps;
import dev.p2pdma.machine.ODirectOpsReader;
import dev.p2pdma.machine.ODirectProcess;
import dev.p2pdma.machine.ODirectResult;
import dev.p2pdma.machine.RunningMachine;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.p2pdma.P2pVerdict;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code p2pdma odirect}: O_DIRECT between an NVMe namespace and a provider's mmapped p2pmem on the
 * machine booted in the model, request by request as Linux 6.12 does it (the DMA setup comes from
 * the kernel command line, with {@code --kernel-param} what-ifs). Two forms: a 4 KiB read and write
 * for one pair, or the replay of an ops file. Filled by picocli; not thread-safe.
 */
@Command(name = "odirect", mixinStandardHelpOptions = true,
        description = "Run O_DIRECT through the block layer and nvme-pci into p2pmem as Linux 6.12 does, on the machine booted in the model: "
                + "'odirect PROVIDER CLIENT' does a 4 KiB pread and pwrite between CLIENT's namespace and an mmap of PROVIDER's p2pmem and prints "
                + "ok or the errno of each, the map type and the path; 'odirect --ops FILE' replays the calls of an ops file (a trace's dma.json "
                + "reads as one) and prints each call's result and NVMe requests with their DMA mapping. A call Linux never completes is HUNG. "
                + "--format: text (default) or json (docs/json-output.md).",
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:every call ran (whatever it returned, HUNG included)", Main.EXIT_1_HELP, Main.EXIT_2_HELP})
final class ODirectCommand implements Callable<Integer> {

    /** The {@code format} of the pair form's JSON. */
    static final String FORMAT_PAIR = "p2pdma-odirect/1";
    /** The {@code format} of the ops form's JSON. */
    static final String FORMAT_OPS = "p2pdma-odirect-ops/1";
    /** The pair form's buffer: 64 KiB of p2pmem, as the conformance program mapped. */
    private static final long PAIR_MMAP_BYTES = 64L << 10;
    /** Segments a text line shows before "... N more" (JSON has them all). */
    private static final int SEGMENTS_SHOWN = 3;
    /** The JSON writer. */
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** Input and what-if options. */
    @Mixin
    InputOptions input;

    /** Output format: text or json. */
    @Mixin
    FormatOption format;

    /** The ops file, for the replay form. */
    @Option(names = "--ops", paramLabel = "FILE", description = "Replay the calls of this ops file (JSON: p2pmem_provider, p2pmem_mmap_bytes, ops).")
    Path ops;

    /** The corrected contract. */
    @Option(names = "--corrected-contract", description = "Report a failed mapping of a request with P2PDMA pages as a permanent P2P error "
            + "(BLK_STS_TARGET, -EREMOTEIO) instead of the 6.12 requeue that hangs under swiotlb=force.")
    boolean corrected;

    /** PROVIDER and CLIENT, for the pair form. */
    @Parameters(arity = "0..2", paramLabel = "BDF", description = "PROVIDER (a function with p2pmem) and CLIENT (an NVMe controller).")
    List<String> pair = new ArrayList<>();

    /** Picocli's view of this command, for its streams. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OutputFormat chosen = format.require(OutputFormat.TEXT, OutputFormat.JSON);
        if ((ops == null) == (pair.size() != 2)) {
            throw new UsageError(ops == null ? "odirect needs PROVIDER and CLIENT, or --ops FILE" : "give either --ops FILE or PROVIDER CLIENT, not both");
        }
        ODirectOps calls = ops != null ? ODirectOpsReader.read(ops) : null;
        LoadedMachine loaded = input.load();
        RunningMachine m;
        try {
            m = RunningMachine.boot(loaded, RunningMachine.DEFAULT_RAM_BYTES);
        } catch (IllegalArgumentException e) {
            throw new ImportException("cannot boot " + loaded.topology().machine().source() + ": " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (calls != null) {
            replay(m, calls, chosen, out);
        } else {
            pairForm(m, address(pair.get(0), "PROVIDER"), address(pair.get(1), "CLIENT"), chosen, out);
        }
        out.flush();
        return 0;
    }

    private static PciAddress address(String text, String what) {
        return PciAddress.tryParse(text).orElseThrow(() -> new UsageError(what + " must be a PCI address ([domain:]bus:device.function), got "
                + TerminalText.printable(text)));
    }

    private ODirectProcess start(RunningMachine m, PciAddress provider, long bytes) {
        if (m.topology().indexOf(provider) < 0) {
            throw new UsageError(provider + " is not a PCI function of " + m.topology().machine().source());
        }
        if (m.providers().provider(provider).isEmpty()) {
            throw new UsageError(provider + " has no p2pmem: nothing to mmap");
        }
        try {
            return ODirectProcess.start(m, provider, bytes, corrected);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    private void requireNamespace(ODirectProcess p, PciAddress client) {
        try {
            p.host(client);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    private void pairForm(RunningMachine m, PciAddress provider, PciAddress client, OutputFormat chosen, PrintWriter out) throws Exception {
        ODirectProcess p = start(m, provider, PAIR_MMAP_BYTES);
        requireNamespace(p, client);
        long buffer = p.addressOf(ODirectOps.BufferKind.P2PMEM, 0);
        ODirectCall read = p.call("read", false, client, 0, List.of(new IoVec(buffer, 4096)));
        ODirectCall write = p.call("write", true, client, 1L << 20, List.of(new IoVec(buffer, 4096)));
        P2pVerdict v = m.loaded().decision().verdict(provider, client);
        if (chosen == OutputFormat.JSON) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("format", FORMAT_PAIR);
            doc.put("provider", provider.toString());
            doc.put("client", client.toString());
            doc.put("dma_setup", m.dmaSetup().describe());
            doc.put("read", outcome(read));
            doc.put("write", outcome(write));
            doc.put("map_type", v.mapType().name());
            doc.put("path", v.path());
            out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
            return;
        }
        PrintWriter text = TerminalText.writer(out);
        Header.write(m.loaded(), text);
        text.println("dma setup: " + m.dmaSetup().describe());
        text.println("provider " + provider + " -> client " + client + ": " + v.mapType() + ", distance " + v.distance());
        text.println("path: " + String.join(" -> ", v.path()));
        text.println("read  (4 KiB pread, LBA 0 into p2pmem):   " + outcome(read));
        text.println("write (4 KiB pwrite from p2pmem at 1 MiB): " + outcome(write));
        for (ODirectCall c : List.of(read, write)) {
            if (c.result() instanceof ODirectResult.Hung h) {
                text.println(c.name() + " never returns:");
                h.causes().forEach(cause -> text.println("  " + cause));
            }
        }
        text.flush();
    }

    private void replay(RunningMachine m, ODirectOps calls, OutputFormat chosen, PrintWriter out) throws Exception {
        ODirectProcess p = start(m, calls.p2pmemProvider(), calls.mmapBytes());
        for (ODirectOps.Op op : calls.ops()) {
            requireNamespace(p, op.namespace());
        }
        List<ODirectCall> done = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (ODirectOps.Op op : calls.ops()) {
            if (!done.isEmpty() && done.get(done.size() - 1).result() instanceof ODirectResult.Hung) {
                skipped.add(op.name());
                continue;
            }
            done.add(p.call(op));
        }
        if (chosen == OutputFormat.JSON) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("format", FORMAT_OPS);
            doc.put("dma_setup", m.dmaSetup().describe());
            List<Object> list = new ArrayList<>();
            for (ODirectCall c : done) {
                list.add(callJson(c));
            }
            doc.put("ops", list);
            doc.put("skipped_after_hang", skipped);
            out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
            return;
        }
        PrintWriter text = TerminalText.writer(out);
        Header.write(m.loaded(), text);
        text.println("dma setup: " + m.dmaSetup().describe());
        for (ODirectCall c : done) {
            text.println();
            text.println(c.name() + ": " + describe(c));
            if (!c.requests().isEmpty()) {
                text.println(String.format("  %-5s %8s %6s %-8s %8s  %s", "op", "slba", "blocks", "status", "attempts", "dma"));
            }
            for (ODirectCall.NvmeRequestRecord r : c.requests()) {
                text.println(String.format("  %-5s %8d %6d %-8s %8d  %s", r.write() ? "write" : "read", r.slba(), r.blocks(), r.status(), r.attempts(),
                        r.dma().map(ODirectCommand::dmaText).orElse("not mapped")));
            }
            if (c.result() instanceof ODirectResult.Hung h) {
                h.causes().forEach(cause -> text.println("  " + cause));
            }
        }
        if (!skipped.isEmpty()) {
            text.println();
            text.println("not run after the hang (later I/O on that queue waits behind it): " + String.join(", ", skipped));
        }
        text.flush();
    }

    /** The mapping on one line: up to {@link #SEGMENTS_SHOWN} segments, then how many more. */
    private static String dmaText(ODirectCall.DmaRecord d) {
        StringBuilder b = new StringBuilder(d.call() + " nents " + d.nents() + " ents " + d.ents() + ":");
        List<ODirectCall.SegmentRecord> segs = d.segments();
        for (int i = 0; i < Math.min(segs.size(), SEGMENTS_SHOWN); i++) {
            ODirectCall.SegmentRecord s = segs.get(i);
            b.append(String.format(" %s 0x%x+%d", s.kind().label(), s.dmaAddress(), s.lengthBytes()));
        }
        if (segs.size() > SEGMENTS_SHOWN) {
            b.append(" ... ").append(segs.size() - SEGMENTS_SHOWN).append(" more");
        }
        return b.toString();
    }

    private static Map<String, Object> callJson(ODirectCall c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("result", c.result().jsonValue());
        List<Object> reqs = new ArrayList<>();
        for (ODirectCall.NvmeRequestRecord r : c.requests()) {
            Map<String, Object> rq = new LinkedHashMap<>();
            rq.put("op", r.write() ? "write" : "read");
            rq.put("slba", r.slba());
            rq.put("blocks", r.blocks());
            rq.put("status", r.status().name());
            rq.put("attempts", r.attempts());
            Optional<Map<String, Object>> dma = r.dma().map(d -> {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("call", d.call());
                dm.put("nents", d.nents());
                dm.put("ents", d.ents());
                List<Object> segs = new ArrayList<>();
                for (ODirectCall.SegmentRecord s : d.segments()) {
                    Map<String, Object> sm = new LinkedHashMap<>();
                    sm.put("dma_addr", s.dmaAddress());
                    sm.put("len", s.lengthBytes());
                    sm.put("kind", s.kind().label());
                    segs.add(sm);
                }
                dm.put("segments", segs);
                return dm;
            });
            rq.put("dma", dma.orElse(null));
            reqs.add(rq);
        }
        m.put("requests", reqs);
        if (c.result() instanceof ODirectResult.Hung h) {
            m.put("hung_because", h.causes());
        }
        m.put("direct_bytes", c.directBytes());
        m.put("fallback_bytes", c.fallbackBytes());
        return m;
    }

    /** "ok" for a full 4 KiB, else the result's JSON value as text. */
    private static Object outcome(ODirectCall c) {
        return c.result() instanceof ODirectResult.Bytes b && b.bytes() == 4096 ? "ok" : c.result().jsonValue();
    }

    private static String describe(ODirectCall c) {
        return switch (c.result()) {
            case ODirectResult.Bytes b -> b.bytes() + " bytes" + (c.fallbackBytes() > 0 ? " (" + c.fallbackBytes() + " through the page cache)" : "");
            case ODirectResult.Failed f -> "-" + f.errno();
            case ODirectResult.Hung h -> "HUNG";
        };
    }
}
