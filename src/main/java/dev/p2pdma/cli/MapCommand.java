package dev.p2pdma.cli;

import dev.p2pdma.sim.MapOutcome;
import dev.p2pdma.sim.MapScenario;
import dev.p2pdma.sim.MapScenarioReader;
import dev.p2pdma.sim.MapScenarioRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/** {@code p2pdma map --scenario FILE}: a scatterlist of RAM and p2pmem mapped by the DMA API, segment by segment. */
@Command(name = "map", mixinStandardHelpOptions = true,
        description = "Map a scatterlist of RAM and p2pmem pieces for a client device as the Linux DMA API does, and print every segment "
                + "(phys, DMA address, length, flags) and the return value. Scenario format: README 'Mapping scenarios'. --format: text (default) or json.",
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:the scenario was mapped, whatever the DMA API returned: a failed mapping (-EREMOTEIO, -EIO, -EINVAL) is status 0 too (the command worked; read the return value or \"error\" in the JSON)", Main.EXIT_1_HELP, Main.EXIT_2_HELP})
final class MapCommand implements Callable<Integer> {

    /** The {@code format} field of the JSON output (docs/json-output.md). */
    static final String FORMAT = "p2pdma-map/1";

    /** The scenario file. */
    @Option(names = "--scenario", required = true, paramLabel = "FILE.yaml", description = "The scenario (YAML or JSON).")
    Path scenario;

    /** Output format: text or json. */
    @Mixin
    FormatOption format;

    /** The kernel version whose rules decide the map type. */
    @Option(names = "--kernel-version", paramLabel = "X.Y|next",
            description = "Decide the map type with this kernel version's rules (host-bridge allowlist rows, log lines): MAJOR.MINOR, a release, "
                    + "or 'next'. Default: the topology's kernel release, else 6.12. The scenario's era still chooses the DMA API shape.")
    String kernelVersion;

    /** Picocli's view of this command. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OutputFormat chosen = format.require(OutputFormat.TEXT, OutputFormat.JSON);
        MapScenario s = MapScenarioReader.read(scenario);
        MapOutcome o = MapScenarioRunner.run(s, scenario.toString(), InputOptions.parseKernelVersion(kernelVersion));
        PrintWriter out = spec.commandLine().getOut();
        if (chosen == OutputFormat.JSON) {
            json(s, o, out);
        } else {
            text(s, o, TerminalText.writer(out));
        }
        out.flush();
        return 0;
    }

    private static void text(MapScenario s, MapOutcome o, PrintWriter out) {
        out.println("client: " + s.client().device() + " (" + s.client().backend() + ", dma_mask 0x" + Long.toHexString(s.client().dmaMask())
                + ", max_segment_size " + s.client().maxSegmentSize() + ", swiotlb " + s.client().swiotlb() + ")   era: " + o.era()
                + "   dma_pci_p2pdma_supported: " + o.p2pSupported());
        for (String n : o.notes()) {
            out.println("note:   " + n);
        }
        out.println();
        out.println(String.format("%-3s %-22s %-18s %-10s %-18s %-10s %s", "#", "memory", "phys", "length", "dma_address", "dma_len", "flags"));
        for (MapOutcome.Segment g : o.segments()) {
            out.println(String.format("%-3d %-22s 0x%-16x %-10d %-18s %-10s %s", g.index(), g.kind(), g.physAddress(), g.lengthBytes(),
                    g.mapped() ? String.format("0x%x", g.dmaAddress()) : "-", g.mapped() ? Long.toString(g.dmaLength()) : "-",
                    String.join(",", g.flags())));
        }
        if (o.error().isEmpty() && o.nents() < o.segments().size()) {
            out.println("(the DMA view is compacted: dma_address/dma_len on row i are DMA segment i; " + o.segments().size() + " entries became "
                    + o.nents() + (o.nents() == 1 ? " segment)" : " segments)"));
        }
        out.println();
        out.println(o.call() + "() = " + o.returnValue() + o.error().map(e -> " (" + (e.startsWith("0") ? e : "-" + e) + ")").orElse("")
                + (o.error().isEmpty() ? ", nents " + o.nents() : ""));
        out.println("swiotlb slots in use: " + o.swiotlbUsedSlotsAfterMap() + " after map, " + o.swiotlbUsedSlotsAfterUnmap() + " after unmap");
        o.iommu().ifPresent(io -> out.println("iommu: group " + io.group() + ", " + io.domain() + " domain"
                + (io.domain().equals("dma") ? " (" + io.mode() + "); IOVA pages in use: " + io.iovaPagesAfterMap() + " after map, "
                        + io.iovaPagesAfterUnmap() + " after unmap (" + io.queuedPagesAfterUnmap() + " waiting for the flush queue); page table: "
                        + io.pageTableBytesAfterMap() + " bytes after map, " + io.pageTableBytesAfterUnmap() + " after unmap" : ": DMA address = physical address")));
        if (!o.kernelLog().isEmpty()) {
            out.println("kernel log:");
            o.kernelLog().forEach(l -> out.println("  " + l));
        }
        out.flush();
    }

    private static void json(MapScenario s, MapOutcome o, PrintWriter w) {
        try (JsonGenerator g = JsonMapper.builder().build().writerWithDefaultPrettyPrinter().createGenerator(w)) {
            g.writeStartObject();
            g.writeStringProperty("format", FORMAT);
            g.writeStringProperty("client", s.client().device().toString());
            g.writeStringProperty("era", o.era());
            g.writeStringProperty("call", o.call());
            g.writeNumberProperty("return", o.returnValue());
            g.writeName("error");
            if (o.error().isPresent()) {
                g.writeString(o.error().get());
            } else {
                g.writeNull();
            }
            g.writeNumberProperty("nents", o.nents());
            g.writeBooleanProperty("dma_pci_p2pdma_supported", o.p2pSupported());
            g.writeName("segments");
            g.writeStartArray();
            for (MapOutcome.Segment seg : o.segments()) {
                g.writeStartObject();
                g.writeNumberProperty("index", seg.index());
                g.writeStringProperty("memory", seg.kind());
                g.writeStringProperty("phys", "0x" + Long.toHexString(seg.physAddress()));
                g.writeNumberProperty("length", seg.lengthBytes());
                g.writeBooleanProperty("mapped", seg.mapped());
                g.writeStringProperty("dma_address", "0x" + Long.toHexString(seg.dmaAddress()));
                g.writeNumberProperty("dma_length", seg.dmaLength());
                g.writeName("flags");
                g.writeStartArray();
                seg.flags().forEach(g::writeString);
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNumberProperty("swiotlb_used_slots_after_map", o.swiotlbUsedSlotsAfterMap());
            g.writeNumberProperty("swiotlb_used_slots_after_unmap", o.swiotlbUsedSlotsAfterUnmap());
            if (o.iommu().isPresent()) {
                MapOutcome.IommuUse io = o.iommu().get();
                g.writeName("iommu");
                g.writeStartObject();
                g.writeNumberProperty("group", io.group());
                g.writeStringProperty("domain", io.domain());
                g.writeStringProperty("mode", io.mode());
                g.writeNumberProperty("iova_pages_after_map", io.iovaPagesAfterMap());
                g.writeNumberProperty("iova_pages_after_unmap", io.iovaPagesAfterUnmap());
                g.writeNumberProperty("iova_pages_queued_after_unmap", io.queuedPagesAfterUnmap());
                g.writeNumberProperty("page_table_bytes_after_map", io.pageTableBytesAfterMap());
                g.writeNumberProperty("page_table_bytes_after_unmap", io.pageTableBytesAfterUnmap());
                g.writeEndObject();
            }
            g.writeName("kernel_log");
            g.writeStartArray();
            o.kernelLog().forEach(g::writeString);
            g.writeEndArray();
            g.writeName("notes");
            g.writeStartArray();
            o.notes().forEach(g::writeString);
            g.writeEndArray();
            g.writeEndObject();
        }
    }
}
