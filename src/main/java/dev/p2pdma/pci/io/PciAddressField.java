package dev.p2pdma.pci.io;

import dev.p2pdma.doc.DocNode;
import dev.p2pdma.doc.DocReader;
import dev.p2pdma.doc.DocumentException;
import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.PciAddress;
import java.util.Optional;

/**
 * A PCI address as the value of a field of an input document ({@code map} scenarios, O_DIRECT ops
 * files): one bad-input line naming the file, line and key when it is not one. Stateless;
 * thread-safe.
 */
public final class PciAddressField {

    private PciAddressField() {
    }

    /**
     * The address in field {@code f}.
     *
     * @throws DocumentException when the value is not a string or not a PCI address
     */
    public static PciAddress read(DocReader r, DocNode.Field f, String ctx) throws DocumentException {
        String t = r.string(f, ctx);
        Optional<PciAddress> a = PciAddress.tryParse(t);
        if (a.isEmpty()) {
            throw r.error(f, ctx, "must be a PCI address ([domain:]bus:device.function), got " + Texts.quote(t));
        }
        return a.get();
    }
}
