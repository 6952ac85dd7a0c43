package dev.p2pdma.dma;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.p2pdma.MapTypeCache;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.SysfsImporter;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/dma-api-shapes.md} stays true (spec 9): its worked example is run here on the real
 * capture it names, in every API shape, and the transcript in the document must be exactly what
 * the model returns.
 */
class DmaApiShapesDocTest {

    /** The capture of the example. */
    private static final Path CAPTURE = Path.of(System.getProperty("p2pdma.shared", "../shared"),
            "conformance/rpmf-iommu_off-cpu_intel/capture.tar.gz");
    /** Where the fallback bounces. */
    private static final long RAM_BUFFER = 128L << 20;

    /** The machine of the example. */
    private static final class Machine {
        /** The tree. */
        final PciTopology topology;
        /** Its memory. */
        final PhysicalMemory memory;
        /** Its log. */
        final DmaWarnings warnings = DmaWarnings.create();
        /** The SG-era core. */
        final DmaMapping sg;
        /** The provider's CMB page map. */
        final DevicePageMap cmb;

        Machine() throws Exception {
            topology = SysfsImporter.read(CAPTURE);
            memory = PhysicalMemory.forTopology(topology, 1L << 30);
            PciAddress provider = PciAddress.parse("0000:01:00.0");
            Bar bar2 = topology.function(provider).orElseThrow().bars().stream().filter(b -> b.index() == 2).findFirst().orElseThrow();
            cmb = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, provider, 2, bar2.cpuAddress(), bar2.sizeBytes(), 0);
            memory.memMap().memremap(cmb);
            sg = DmaMapping.create(memory, P2pMapTypes.of(topology, new MapTypeCache(P2pDmaDecision.of(topology)), warnings.log()), warnings);
        }

        SgTable cmbList() {
            SgTable t = new SgTable();
            t.alloc(3);
            long pfn = PageSize.pfn(cmb.cpuStart());
            for (SgEntry e : t.cpuEntries()) {
                e.setPage(memory.memMap().pageOrThrow(pfn++), PageSize.PAGE_SIZE, 0);
            }
            return t;
        }

        DmaDevice device(String address) {
            return DmaDevice.forPci(topology, PciAddress.parse(address)).dmaMaskAndCoherent(DmaMasks.bitMask(64)).build();
        }
    }

    private static String errno(int ret) {
        return ret + DmaMapResult.errnoOf(ret).map(e -> " (" + e.name() + ")").orElse("");
    }

    private static String segments(SgTable t, int n) {
        return t.entries(n).stream().map(e -> String.format("0x%x+%d", e.dmaAddress(), e.dmaLength())).collect(Collectors.joining(" "));
    }

    private static String outcome(P2pFallback.Outcome o) {
        return switch (o) {
            case P2pFallback.MappedViaRam v -> v.describe() + ": " + segments(v.ramTable(), v.nents());
            case P2pFallback.MappedDirect d -> d.describe() + ": " + segments(d.table(), d.nents());
            case P2pFallback.Failed x -> x.describe();
        };
    }

    /** Runs the example and returns the transcript the document shows. */
    static String transcript() throws Exception {
        Machine m = new Machine();
        DmaMapping rfc = m.sg.withEra(Era.RFC);
        DmaDevice ahci = m.device("0000:00:1f.2");
        DmaDirection dir = DmaDirection.TO_DEVICE;
        List<String> out = new ArrayList<>();
        out.add("list:   3 pages of 0000:01:00.0's CMB (BAR 2) at " + String.format("0x%x", m.cmb.cpuStart()) + ", DMA_TO_DEVICE");
        out.add("device: " + ahci);
        SgTable t = m.cmbList();
        int rfcMapSg = rfc.mapSg(ahci, t.first().orElseThrow(), 3, dir, DmaAttrs.NONE);
        out.add("kernel: " + String.join("\n        ", m.warnings.lines()));
        out.add("");
        out.add("RFC  dma_map_sg()      = " + errno(rfcMapSg));
        out.add("RFC  dma_map_sgtable() = " + errno(rfc.mapSgtable(ahci, m.cmbList(), dir, DmaAttrs.NONE).kernelReturn()));
        out.add("SG   dma_map_sg()      = " + m.sg.mapSg(ahci, m.cmbList().first().orElseThrow(), 3, dir, DmaAttrs.NONE));
        out.add("SG   dma_map_sgtable() = " + errno(m.sg.mapSgtable(ahci, m.cmbList(), dir, DmaAttrs.NONE).kernelReturn()));
        out.add("     dma_map_sg_p2p()  = " + errno(DmaMapSgP2p.on(m.sg).map(ahci, m.cmbList(), dir, DmaAttrs.NONE).kernelReturn()));
        out.add("     dma_pci_p2pdma_supported() = " + m.sg.p2pdmaSupported(ahci));
        out.add("");
        P2pFallback fb = P2pFallback.of(m.sg, new P2pFallback.RamBuffer(RAM_BUFFER, 16 * PageSize.PAGE_SIZE));
        P2pFallback.Outcome a = fb.mapWithMapSgRfc(ahci, m.cmbList(), dir);
        out.add("fallback, RFC dma_map_sg:     " + outcome(a));
        fb.complete(ahci, a, dir);
        P2pFallback.Outcome b = fb.mapWithMapSg(ahci, m.cmbList(), dir);
        out.add("fallback, SG dma_map_sg:      " + outcome(b));
        fb.complete(ahci, b, dir);
        P2pFallback.Outcome c = fb.mapWithSgtable(ahci, m.cmbList(), dir);
        out.add("fallback, SG dma_map_sgtable: " + outcome(c));
        fb.complete(ahci, c, dir);
        P2pFallback.Outcome d = fb.mapWithDedicated(ahci, m.cmbList(), dir);
        out.add("fallback, dma_map_sg_p2p:     " + outcome(d));
        fb.complete(ahci, d, dir);
        out.add("");
        DmaDevice sibling = m.device("0000:01:00.1");
        out.add("same list for " + sibling.name() + " (BUS_ADDR), SG dma_map_sgtable: "
                + outcome(fb.mapWithSgtable(sibling, m.cmbList(), dir)) + " (bus addresses, marked)");
        return String.join("\n", out) + "\n";
    }

    /** The fenced text block after the transcript heading. */
    private static String documented() throws Exception {
        String doc = Files.readString(Path.of("docs", "dma-api-shapes.md"));
        int heading = doc.indexOf("## What the model returns");
        int start = doc.indexOf("```text\n", heading) + "```text\n".length();
        return doc.substring(start, doc.indexOf("```\n", start));
    }

    @Test
    void theDocumentedTranscriptIsWhatTheModelReturns_spec9() throws Exception {
        assertThat(documented()).isEqualTo(transcript());
    }
}
