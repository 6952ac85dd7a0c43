package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaWarnings;
import dev.p2pdma.dma.P2pMapTypes;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.MapTypeCache;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.SysfsImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/dma-api-shapes.md}, section "The two-step API (2025)", stays true (spec 8.1): the
 * caller code of that section is run here on the capture it names, and the transcript in the
 * document must be exactly what the model returns.
 */
class DmaIovaShapeDocTest {

    /** The capture of the example: IOMMU on, ACS redirect off on the root port. */
    private static final Path CAPTURE = Path.of(System.getProperty("p2pdma.shared", "../shared"),
            "conformance/rpmf-iommu_on-cpu_intel-acsredir_off/capture.tar.gz");
    /** The two RAM pages of the request. */
    private static final long[] RAM = {0x100000L, 0x340000L};

    /**
     * The caller of the two-step API, as the document shows it: classify each P2P provider, use bus
     * addresses as they are, link everything else into one IOVA range.
     */
    static String transfer(DmaIova api, DmaDevice dev, List<Page> pages, DmaDirection dir, IommuDomain domain) {
        List<String> segs = new ArrayList<>();
        List<Page> viaIova = new ArrayList<>();
        for (Page p : pages) {
            MapType t = api.p2pState(dev, p);
            switch (t) {
                case BUS_ADDR -> segs.add(String.format("0x%x+4096 (bus)", DmaIova.busAddress(p, 0)));
                case NONE, THRU_HOST_BRIDGE -> viaIova.add(p);
                default -> {
                    return "pci_p2pdma_state() = " + t + " -> " + Errno.EREMOTEIO.negative() + " (EREMOTEIO), nothing mapped";
                }
            }
        }
        long total = (long) viaIova.size() * PageSize.PAGE_SIZE;
        Optional<DmaIovaState> st = api.tryAlloc(dev, viaIova.get(0).physAddress(), total);
        if (st.isEmpty()) {
            return "dma_iova_try_alloc() = false: use dma_map_sgtable()";
        }
        long offset = 0;
        for (Page p : viaIova) {
            DmaAttrs attrs = p.isP2pdma() ? new DmaAttrs(DmaAttrs.MMIO) : DmaAttrs.NONE;
            if (api.link(dev, st.get(), p.physAddress(), offset, PageSize.PAGE_SIZE, dir, attrs).isPresent()) {
                api.destroy(dev, st.get(), offset, dir, DmaAttrs.NONE);
                return "dma_iova_link() failed";
            }
            offset += PageSize.PAGE_SIZE;
        }
        api.sync(dev, st.get(), 0, total);
        segs.add(String.format("0x%x+%d (IOVA)", st.get().addr(), total));
        String mapped = String.join(" ", segs);
        api.destroy(dev, st.get(), total, dir, DmaAttrs.NONE);
        return mapped + "; after dma_iova_destroy(): " + domain.iovaDomain().orElseThrow().allocatedPfns() + " IOVA pages, "
                + domain.pageTable().mappedBytes() + " bytes mapped";
    }

    /** Runs the example and returns the transcript the document shows. */
    static String transcript() throws Exception {
        PciTopology topology = SysfsImporter.read(CAPTURE);
        PhysicalMemory memory = PhysicalMemory.forTopology(topology, 1L << 30);
        PciAddress provider = PciAddress.parse("0000:01:00.0");
        Bar bar2 = topology.function(provider).orElseThrow().bars().stream().filter(b -> b.index() == 2).findFirst().orElseThrow();
        DevicePageMap cmb = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, provider, 2, bar2.cpuAddress(), bar2.sizeBytes(), 0);
        memory.memMap().memremap(cmb);
        DmaWarnings warnings = DmaWarnings.create();
        DmaMapping sg = DmaMapping.create(memory, P2pMapTypes.of(topology, new MapTypeCache(P2pDmaDecision.of(topology)), warnings.log()),
                warnings);
        DmaIova api = DmaIova.on(sg);
        List<Page> pages = new ArrayList<>();
        for (long phys : RAM) {
            pages.add(memory.memMap().pageOrThrow(PageSize.pfn(phys)));
        }
        pages.add(memory.memMap().pageOrThrow(PageSize.pfn(cmb.cpuStart())));
        List<String> out = new ArrayList<>();
        out.add("request: RAM 0x100000 and 0x340000, then the first page of 0000:01:00.0's CMB, DMA_TO_DEVICE, one page each");
        for (String client : new String[] {"0000:01:00.1", "0000:00:1f.2"}) {
            PciAddress a = PciAddress.parse(client);
            int group = topology.function(a).orElseThrow().iommuGroup().orElseThrow();
            IommuDomain domain = IommuDomain.dma(group, IommuDomainFlushMode.STRICT, IommuDomain.reservedRegionsOf(memory), () -> 0);
            DmaDevice dev = DmaDevice.forPci(topology, a).dmaMaskAndCoherent(DmaMasks.bitMask(64)).ops(IommuDmaOps.forDevice(domain, true)).build();
            out.add(String.format("%-22s %s", dev.name() + ":", transfer(api, dev, pages, DmaDirection.TO_DEVICE, domain)));
        }
        return String.join("\n", out) + "\n";
    }

    /** The fenced text block after the two-step heading. */
    private static String documented(Path doc, String heading) throws Exception {
        String text = Files.readString(doc);
        int h = text.indexOf(heading);
        assertThat(h).as(doc + " has '" + heading + "'").isNotNegative();
        int start = text.indexOf("```text\n", h) + "```text\n".length();
        return text.substring(start, text.indexOf("```\n", start));
    }

    @Test
    void theDocumentedTwoStepTranscriptIsWhatTheModelReturns_spec8_1() throws Exception {
        assertThat(documented(Path.of("docs", "dma-api-shapes.md"), "## The two-step API (2025)")).isEqualTo(transcript());
    }

    @Test
    void theReadmeShowsTheSameTwoStepTranscript_spec8_1() throws Exception {
        assertThat(documented(Path.of("README.md"), "The two-step API of 2025")).isEqualTo(transcript());
    }
}
