package dev.p2pdma.machine;

import dev.p2pdma.doc.DocNode;
import dev.p2pdma.doc.DocReader;
import dev.p2pdma.doc.DocumentException;
import dev.p2pdma.doc.DocumentSyntax;
import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.pci.io.PciAddressField;
import dev.p2pdma.pci.io.InputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads an O_DIRECT ops file ({@code p2pdma odirect --ops FILE}, JSON): {@code p2pmem_provider},
 * {@code p2pmem_mmap_bytes} (default 2 MiB, as the traced program mapped) and {@code ops}, each op with {@code name}, {@code op}, {@code ns_bdf},
 * {@code file_offset} and {@code iovecs} ({@code kind}, {@code offset_in_buffer}, {@code len}). Other
 * fields are ignored, so a trace's {@code dma.json} reads as it is. A missing or malformed input field
 * is one {@link ImportException} line naming the file, line and key. Stateless; thread-safe.
 */
public final class ODirectOpsReader {

    /** What an ops file is, for messages. */
    private static final String KIND = "p2pdma odirect ops file";
    /** Largest ops file. */
    private static final long MAX_FILE_BYTES = 64L << 20;
    /** The p2pmem mmap when the file does not say: 2 MiB, what the traced program mapped (dma-traces README). */
    public static final long DEFAULT_MMAP_BYTES = 2L << 20;
    /** Largest iovec and offset the model takes: 1 GiB. */
    private static final long MAX_BYTES = 1L << 30;

    private ODirectOpsReader() {
    }

    /** Reads and checks an ops file. */
    public static ODirectOps read(Path file) throws ImportException {
        InputFiles.requireRegularFile(file, "ops file");
        String text;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ImportException(file + ": ops file larger than 64 MiB");
            }
            text = reader(file.toString()).text(Files.readAllBytes(file));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ImportException(file + ": cannot read: " + e.getMessage(), e);
        } catch (DocumentException e) {
            throw new ImportException(e.getMessage(), e);
        }
        return read(text, file.toString());
    }

    /** Reads an ops file's text; {@code fileName} names it in messages. */
    public static ODirectOps read(String text, String fileName) throws ImportException {
        DocReader r = reader(fileName);
        try {
            DocNode root = r.parse(text, DocumentSyntax.JSON);
            if (!(root instanceof DocNode.Mapping top)) {
                throw new DocumentException(fileName + ": is not a " + KIND + " (a JSON object with p2pmem_provider, p2pmem_mmap_bytes and ops):"
                        + " its top level is " + root.shape());
            }
            PciAddress provider = PciAddressField.read(r, r.required(top, "p2pmem_provider", "the ops file"), "the ops file");
            Optional<DocNode.Field> mmapField = r.optional(top, "p2pmem_mmap_bytes");
            long mmap = mmapField.isPresent() ? r.number(mmapField.get(), "the ops file", 4096, MAX_BYTES, DocReader.Notation.DECIMAL)
                    : DEFAULT_MMAP_BYTES;
            if (mmap % 4096 != 0) {
                throw r.error(mmapField.orElseThrow(), "the ops file", "must be a whole number of 4 KiB pages");
            }
            List<ODirectOps.Op> ops = new ArrayList<>();
            for (DocNode n : r.list(top, "ops", "the ops file")) {
                ops.add(op(r, r.mapping(n, "an op")));
            }
            if (ops.isEmpty()) {
                throw r.error(r.required(top, "ops", "the ops file"), "the ops file", "must list at least one op");
            }
            return new ODirectOps(provider, mmap, ops);
        } catch (DocumentException e) {
            throw new ImportException(e.getMessage(), e);
        }
    }

    private static DocReader reader(String fileName) {
        return new DocReader(fileName, KIND, DocReader.Numbers.INTEGERS_AND_SIZES);
    }

    private static ODirectOps.Op op(DocReader r, DocNode.Mapping m) throws DocumentException {
        String name = r.string(r.required(m, "name", "an op"), "an op");
        String ctx = "op " + Texts.quote(name);
        ODirectOps.Call call = ODirectOps.Call.valueOf(r.choice(r.required(m, "op", ctx), ctx, List.of("preadv", "pwritev")).toUpperCase(Locale.ROOT));
        PciAddress ns = PciAddressField.read(r, r.required(m, "ns_bdf", ctx), ctx);
        long offset = r.number(r.required(m, "file_offset", ctx), ctx, 0, Long.MAX_VALUE, DocReader.Notation.DECIMAL);
        List<ODirectOps.IoVec> iovecs = new ArrayList<>();
        for (DocNode n : r.list(m, "iovecs", ctx)) {
            DocNode.Mapping v = r.mapping(n, "an iovec of " + ctx);
            String vctx = "an iovec of " + ctx;
            ODirectOps.BufferKind kind = ODirectOps.BufferKind.valueOf(
                    r.choice(r.required(v, "kind", vctx), vctx, List.of("ram", "p2pmem", "p2pmem_unmapped")).toUpperCase(Locale.ROOT));
            long off = r.number(r.required(v, "offset_in_buffer", vctx), vctx, 0, MAX_BYTES, DocReader.Notation.DECIMAL);
            long len = r.number(r.required(v, "len", vctx), vctx, 0, MAX_BYTES, DocReader.Notation.DECIMAL);
            iovecs.add(new ODirectOps.IoVec(kind, off, len));
        }
        if (iovecs.isEmpty()) {
            throw r.error(r.required(m, "iovecs", ctx), ctx, "must list at least one iovec");
        }
        return new ODirectOps.Op(name, call, ns, offset, iovecs, m.line());
    }
}
