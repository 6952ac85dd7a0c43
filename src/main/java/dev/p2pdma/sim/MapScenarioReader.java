package dev.p2pdma.sim;

import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.Swiotlb;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.KernelCommandLine;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.doc.DocNode;
import dev.p2pdma.doc.DocReader;
import dev.p2pdma.doc.DocumentException;
import dev.p2pdma.doc.DocumentSyntax;
import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.pci.io.PciAddressField;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a {@code p2pdma map} scenario file (YAML or JSON; format in README "Mapping scenarios")
 * strictly, through the one document reader ({@link DocReader}, with its "did you mean" help for a
 * misspelt key or value): unknown fields, zero lengths, overlapping or out-of-range RAM pieces, offsets past a
 * page, masks wider than 64 bits and malformed addresses each give one {@link ImportException}
 * line naming the file and line. Devices are checked against the topology when the scenario runs.
 * Stateless; thread-safe.
 */
public final class MapScenarioReader {

    /** What a scenario file is, for messages about a file that is not one. */
    private static final String KIND = "p2pdma map scenario";
    /** Top-level fields. */
    private static final Set<String> TOP = Set.of("topology", "ram", "era", "direction", "providers", "client", "sg");
    /** Fields of {@code topology}. */
    private static final Set<String> TOPOLOGY = Set.of("sysfs", "hwloc", "lspci", "topology", "kernel_params", "cpu");
    /** Fields of {@code client.iommu}. */
    private static final Set<String> IOMMU = Set.of("mode", "domain");
    /** Fields of {@code client}. */
    private static final Set<String> CLIENT = Set.of("device", "backend", "dma_mask", "dma_mask_bits", "coherent_dma_mask",
            "coherent_dma_mask_bits", "bus_dma_limit", "max_segment_size", "segment_boundary_mask", "min_align_mask", "coherent", "swiotlb", "iommu",
            "dma_ranges");
    /** Fields of a provider. */
    private static final Set<String> PROVIDER = Set.of("device", "bar", "size", "offset", "publish");
    /** Fields of a DMA range. */
    private static final Set<String> RANGE = Set.of("cpu", "dma", "size");
    /** Fields of a RAM piece. */
    private static final Set<String> RAM_PIECE = Set.of("phys", "length");
    /** The kinds of sg piece: the one key of each list item. */
    private static final Set<String> PIECE_KINDS = Set.of("ram", "p2pmem");
    /** Fields of a p2pmem piece. */
    private static final Set<String> P2P_PIECE = Set.of("provider", "offset", "length");
    /** Largest scatterlist entry: an unsigned int length. */
    private static final long MAX_PIECE_BYTES = 0xFFFF_FFFFL;
    /**
     * Least RAM: the swiotlb buffer takes a quarter of the RAM below 4 GiB and needs one segment
     * (IO_TLB_SEGSIZE slots of IO_TLB_SIZE bytes, 256 KiB), so 1 MiB.
     */
    static final long MIN_RAM_BYTES = 4L * Swiotlb.IO_TLB_SEGSIZE * Swiotlb.IO_TLB_SIZE;
    /** Largest min_align_mask the model holds (an int): 2^31 - 1. */
    private static final long MAX_MIN_ALIGN_MASK = Integer.MAX_VALUE;

    private MapScenarioReader() {
    }

    /** Reads and checks a scenario file. */
    public static MapScenario read(Path file) throws ImportException {
        byte[] content = dev.p2pdma.pci.io.InputFiles.readSmallFile(file, "scenario file", 16 << 20);
        String text;
        try {
            text = reader(file.toString()).text(content);
        } catch (DocumentException e) {
            throw new ImportException(e.getMessage(), e);
        }
        Path base = file.toAbsolutePath().getParent();
        return read(text, file.toString(), base);
    }

    /** The reader of one scenario file: sizes such as {@code 64KiB} are numbers. */
    private static DocReader reader(String fileName) {
        return new DocReader(fileName, KIND, DocReader.Numbers.INTEGERS_AND_SIZES);
    }

    /** Reads a scenario from text; relative paths resolve against {@code base}. */
    public static MapScenario read(String text, String fileName, Path base) throws ImportException {
        try {
            return scenario(reader(fileName), fileName, text, base);
        } catch (DocumentException e) {
            throw new ImportException(e.getMessage(), e);
        }
    }

    private static MapScenario scenario(DocReader r, String fileName, String text, Path base) throws DocumentException {
        DocumentSyntax syntax = fileName.endsWith(".json") ? DocumentSyntax.JSON : DocumentSyntax.YAML;
        DocNode.Mapping top = r.document(r.parse(text, syntax), TOP);
        r.allowOnly(top, TOP, "the scenario");
        MapScenario.TopologySource source = topology(r, r.mapping(r.required(top, "topology", "the scenario"), "the scenario"), base);
        Optional<DocNode.Field> ramField = r.optional(top, "ram");
        long ram = ramField.isPresent() ? r.number(ramField.get(), "the scenario", MIN_RAM_BYTES, 1L << 46, DocReader.Notation.HEX) : 1L << 30;
        if ((ram & PageSize.PAGE_MASK) != 0) {
            throw r.error(ramField.get(), "the scenario", "must be a whole number of 4 KiB pages");
        }
        String era = choice(r, top, "era", "sg", List.of("sg", "rfc"), "the scenario");
        String dir = choice(r, top, "direction", "bidirectional", List.of("to_device", "from_device", "bidirectional"), "the scenario");
        List<MapScenario.Provider> providers = new ArrayList<>();
        for (DocNode n : r.list(top, "providers", "the scenario")) {
            providers.add(provider(r, r.mapping(n, "a provider")));
        }
        MapScenario.Client client = client(r, r.mapping(r.required(top, "client", "the scenario"), "the scenario"));
        List<MapScenario.Piece> pieces = new ArrayList<>();
        DocNode.Field sg = r.required(top, "sg", "the scenario");
        for (DocNode n : r.list(top, "sg", "the scenario")) {
            pieces.add(piece(r, r.mapping(n, "an sg piece"), ram));
        }
        if (pieces.isEmpty()) {
            throw r.error(sg, "the scenario", "must list at least one piece");
        }
        checkOverlaps(r, pieces);
        return new MapScenario(source, ram, era, client, providers, pieces, dir);
    }

    private static MapScenario.TopologySource topology(DocReader r, DocNode.Mapping m, Path base) throws DocumentException {
        r.allowOnly(m, TOPOLOGY, "topology");
        String kind = null;
        Path path = null;
        for (String k : List.of("sysfs", "hwloc", "lspci", "topology")) {
            Optional<DocNode.Field> f = r.optional(m, k);
            if (f.isPresent()) {
                if (kind != null) {
                    throw r.error(f.get().line(), "topology names both " + kind + " and " + k + ": give one");
                }
                kind = k;
                path = base.resolve(r.string(f.get(), "topology"));
            }
        }
        if (kind == null) {
            throw r.error(m.line(), "topology needs one of sysfs, hwloc, lspci or topology");
        }
        return new MapScenario.TopologySource(kind, path, kernelParams(r, m, "topology"), cpu(r, m, "topology"));
    }

    /** A machine's {@code kernel_params} list, each checked as {@code --kernel-param} checks it (for map and simulate scenarios). */
    static List<String> kernelParams(DocReader r, DocNode.Mapping m, String ctx) throws DocumentException {
        List<String> params = new ArrayList<>();
        for (DocNode n : r.list(m, "kernel_params", ctx)) {
            DocNode.Field param = new DocNode.Field("kernel_params", n.line(), n);
            String kv = r.string(param, ctx);
            checked(r, param, ctx, () -> KernelCommandLine.empty().withOverride(kv));
            params.add(kv);
        }
        return params;
    }

    /** A machine's optional {@code cpu}, checked as {@code --cpu} checks it (for map and simulate scenarios). */
    static Optional<String> cpu(DocReader r, DocNode.Mapping m, String ctx) throws DocumentException {
        Optional<String> cpu = r.optionalString(m, "cpu", ctx);
        if (cpu.isPresent()) {
            checked(r, r.optional(m, "cpu").get(), ctx, () -> CpuInfo.parseFlag(cpu.get()));
        }
        return cpu;
    }

    private static MapScenario.Provider provider(DocReader r, DocNode.Mapping m) throws DocumentException {
        r.allowOnly(m, PROVIDER, "a provider");
        PciAddress a = PciAddressField.read(r, r.required(m, "device", "a provider"), "a provider");
        String ctx = "provider " + a;
        int bar = (int) r.number(r.required(m, "bar", ctx), ctx, 0, 5, DocReader.Notation.DECIMAL);
        long size = r.optional(m, "size").isPresent() ? r.unsigned64(r.optional(m, "size").get(), ctx) : 0;
        long off = r.optional(m, "offset").isPresent() ? r.unsigned64(r.optional(m, "offset").get(), ctx) : 0;
        boolean publish = r.optional(m, "publish").isEmpty() || r.bool(r.optional(m, "publish").get(), ctx);
        return new MapScenario.Provider(a, bar, size, off, publish);
    }

    private static MapScenario.Client client(DocReader r, DocNode.Mapping m) throws DocumentException {
        r.allowOnly(m, CLIENT, "client");
        PciAddress a = PciAddressField.read(r, r.required(m, "device", "client"), "client");
        String backend = choice(r, m, "backend", "direct", List.of("direct", "no-p2p", "iommu"), "client");
        long mask = mask(r, m, "dma_mask", 64);
        long coherent = mask(r, m, "coherent_dma_mask", 64);
        long limit = r.optional(m, "bus_dma_limit").isPresent() ? r.unsigned64(r.optional(m, "bus_dma_limit").get(), "client") : 0;
        long maxSeg = r.optional(m, "max_segment_size").isPresent()
                ? r.number(r.optional(m, "max_segment_size").get(), "client", 1, 0xFFFF_FFFFL, DocReader.Notation.HEX) : 65536;
        long boundary = lowBitMask(r, m, "segment_boundary_mask", 0xFFFF_FFFFL, -1L);
        long minAlign = lowBitMask(r, m, "min_align_mask", 0, MAX_MIN_ALIGN_MASK);
        boolean isCoherent = r.optional(m, "coherent").isEmpty() || r.bool(r.optional(m, "coherent").get(), "client");
        String swiotlb = choice(r, m, "swiotlb", "auto", List.of("auto", "force", "off"), "client");
        List<MapScenario.DmaRange> ranges = new ArrayList<>();
        for (DocNode n : r.list(m, "dma_ranges", "client")) {
            DocNode.Mapping rm = r.mapping(n, "a DMA range of client");
            r.allowOnly(rm, RANGE, "a DMA range");
            ranges.add(new MapScenario.DmaRange(r.unsigned64(r.required(rm, "cpu", "a DMA range"), "a DMA range"),
                    r.unsigned64(r.required(rm, "dma", "a DMA range"), "a DMA range"),
                    r.number(r.required(rm, "size", "a DMA range"), "a DMA range", 1, Long.MAX_VALUE, DocReader.Notation.HEX)));
        }
        MapScenario.Iommu iommu = MapScenario.Iommu.DEFAULT;
        Optional<DocNode.Field> io = r.optional(m, "iommu");
        if (io.isPresent()) {
            if (!backend.equals("iommu")) {
                throw r.error(io.get().line(), "client.iommu needs backend: iommu");
            }
            DocNode.Mapping im = r.mapping(io.get(), "client");
            r.allowOnly(im, IOMMU, "client.iommu");
            iommu = new MapScenario.Iommu(choice(r, im, "mode", "strict", List.of("strict", "lazy"), "client.iommu"),
                    choice(r, im, "domain", "dma", List.of("dma", "identity"), "client.iommu"));
        }
        return new MapScenario.Client(a, backend, mask, coherent, limit, maxSeg, boundary, minAlign, isCoherent, swiotlb, ranges, iommu);
    }

    /** A mask given as a value ({@code NAME}) or as a bit count ({@code NAME_bits}, 0..64); default all ones of {@code bits}. */
    private static long mask(DocReader r, DocNode.Mapping m, String name, int defaultBits) throws DocumentException {
        Optional<DocNode.Field> value = r.optional(m, name);
        Optional<DocNode.Field> bits = r.optional(m, name + "_bits");
        if (value.isPresent() && bits.isPresent()) {
            throw r.error(bits.get().line(), "client gives both " + name + " and " + name + "_bits: give one");
        }
        Optional<DocNode.Field> given = bits.isPresent() ? bits : value;
        long mask = bits.isPresent() ? dmaBitMask((int) r.number(bits.get(), "client", 0, 64, DocReader.Notation.DECIMAL))
                : value.isPresent() ? r.unsigned64(value.get(), "client") : dmaBitMask(defaultBits);
        if (mask == 0 && given.isPresent()) {
            throw r.error(given.get(), "client", "is a mask of 0, which reaches no memory: "
                    + "dma_set_mask() refuses it with -EIO, so no driver maps with it");
        }
        return mask;
    }

    /**
     * A mask that must be {@code 2^k - 1} (dma_set_seg_boundary(), dma_set_min_align_mask()) and at
     * most {@code max} (unsigned); {@code dflt} when absent.
     */
    private static long lowBitMask(DocReader r, DocNode.Mapping m, String name, long dflt, long max) throws DocumentException {
        Optional<DocNode.Field> f = r.optional(m, name);
        if (f.isEmpty()) {
            return dflt;
        }
        long v = r.unsigned64(f.get(), "client");
        if (!DmaMasks.isLowBitMask(v) || Long.compareUnsigned(v, max) > 0) {
            throw r.error(f.get(), "client", String.format("is 0x%x, not a mask of low bits 2^k-1%s (e.g. 0xfff)", v,
                    max == -1L ? "" : String.format(" up to 0x%x", max)));
        }
        return v;
    }

    /** Runs a model check on a value read from {@code f}; its refusal becomes one line naming the line and key. */
    private static void checked(DocReader r, DocNode.Field f, String ctx, Runnable check) throws DocumentException {
        try {
            check.run();
        } catch (IllegalArgumentException e) {
            throw r.error(f, ctx, "is refused: " + Texts.capQuoted(Texts.oneLine(String.valueOf(e.getMessage())
                    .replace("--kernel-param ", "").replace("--cpu ", ""))));
        }
    }

    /** DMA_BIT_MASK(n). */
    static long dmaBitMask(int n) {
        return n == 64 ? -1L : (1L << n) - 1;
    }

    private static MapScenario.Piece piece(DocReader r, DocNode.Mapping m, long ram) throws DocumentException {
        if (m.fields().size() != 1) {
            throw r.error(m.line(), "an sg piece is either {ram: {...}} or {p2pmem: {...}}");
        }
        DocNode.Field kind = m.fields().values().iterator().next();
        r.allowOnly(m, PIECE_KINDS, "an sg piece");
        DocNode.Mapping body = r.mapping(kind, "an sg piece");
        switch (kind.name()) {
            case "ram" -> {
                r.allowOnly(body, RAM_PIECE, "a RAM piece");
                long phys = r.unsigned64(r.required(body, "phys", "a RAM piece"), "a RAM piece");
                long len = length(r, r.required(body, "length", "a RAM piece"), "a RAM piece");
                if (Long.compareUnsigned(phys + len, phys) < 0) {
                    throw r.error(kind.line(), String.format("RAM piece 0x%x+0x%x wraps around the address space", phys, len));
                }
                return new MapScenario.RamPiece(phys, len, kind.line());
            }
            default -> {
                r.allowOnly(body, P2P_PIECE, "a p2pmem piece");
                PciAddress a = PciAddressField.read(r, r.required(body, "provider", "a p2pmem piece"), "a p2pmem piece");
                Optional<DocNode.Field> offset = r.optional(body, "offset");
                long off = offset.isPresent() ? r.unsigned64(offset.get(), "a p2pmem piece") : 0;
                if (Long.compareUnsigned(off, PageSize.PAGE_SIZE) >= 0) {
                    throw r.error(offset.get(), "a p2pmem piece", "is " + Long.toUnsignedString(off) + ", past the first page (must be below 4096)");
                }
                return new MapScenario.P2pPiece(a, off, length(r, r.required(body, "length", "a p2pmem piece"), "a p2pmem piece"), kind.line());
            }
        }
    }

    private static long length(DocReader r, DocNode.Field f, String ctx) throws DocumentException {
        long len = r.unsigned64(f, ctx);
        if (len == 0) {
            throw r.error(f, ctx, "must not be zero");
        }
        if (Long.compareUnsigned(len, MAX_PIECE_BYTES) > 0) {
            throw r.error(f, ctx, "is " + Long.toUnsignedString(len) + ", which does not fit a scatterlist entry (at most 0xffffffff)");
        }
        return len;
    }

    private static void checkOverlaps(DocReader r, List<MapScenario.Piece> pieces) throws DocumentException {
        List<MapScenario.RamPiece> ram = new ArrayList<>();
        for (MapScenario.Piece p : pieces) {
            if (p instanceof MapScenario.RamPiece rp) {
                for (MapScenario.RamPiece o : ram) {
                    if (rp.physAddress() < o.physAddress() + o.lengthBytes() && o.physAddress() < rp.physAddress() + rp.lengthBytes()) {
                        throw r.error(rp.line(), String.format("RAM piece 0x%x+0x%x overlaps the piece on line %d", rp.physAddress(), rp.lengthBytes(), o.line()));
                    }
                }
                ram.add(rp);
            }
        }
    }

    /** An optional choice: {@code dflt} when absent. */
    private static String choice(DocReader r, DocNode.Mapping m, String name, String dflt, List<String> allowed, String ctx) throws DocumentException {
        Optional<DocNode.Field> f = r.optional(m, name);
        return f.isEmpty() ? dflt : r.choice(f.get(), ctx, allowed);
    }
}
