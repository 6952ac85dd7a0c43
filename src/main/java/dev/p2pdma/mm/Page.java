package dev.p2pdma.mm;

import java.util.Optional;

/**
 * Models a {@code struct page}: one 4 KiB page frame, either ordinary RAM or a ZONE_DEVICE page of
 * a device page map. There is exactly one instance per pfn in a {@link MemMap}, so pages compare
 * by identity as the kernel compares page pointers.
 *
 * <p>Immutable; thread-safe.
 */
public final class Page {

    /** The page frame number. */
    private final long pfn;
    /** The device page map for ZONE_DEVICE pages, null for RAM. */
    private final DevicePageMap pagemap;

    Page(long pfn, DevicePageMap pagemap) {
        this.pfn = pfn;
        this.pagemap = pagemap;
    }

    /** A RAM page that belongs to no MemMap, for tests and benchmarks that build page arrays. */
    public static Page ram(long pfn) {
        return new Page(pfn, null);
    }

    /** A ZONE_DEVICE page outside any MemMap, for tests. */
    public static Page device(long pfn, DevicePageMap pagemap) {
        return new Page(pfn, pagemap);
    }

    /** page_to_pfn(). */
    public long pfn() {
        return pfn;
    }

    /** page_to_phys(). */
    public long physAddress() {
        return pfn << PageSize.PAGE_SHIFT;
    }

    /** is_zone_device_page(). */
    public boolean isZoneDevice() {
        return pagemap != null;
    }

    /** is_pci_p2pdma_page(): a ZONE_DEVICE page of a P2PDMA page map. */
    public boolean isP2pdma() {
        return pagemap != null && pagemap.isP2pdma();
    }

    /** page_pgmap(), when the page is ZONE_DEVICE. */
    public Optional<DevicePageMap> pagemap() {
        return Optional.ofNullable(pagemap);
    }

    /**
     * Models zone_device_pages_have_same_pgmap(): true when neither page is ZONE_DEVICE or both
     * belong to the same page map. Reads both pages' fields, as the kernel reads both structs.
     */
    public static boolean haveSamePagemap(Page a, Page b) {
        return a.pagemap == b.pagemap;
    }

    @Override
    public String toString() {
        return "page pfn 0x" + Long.toHexString(pfn) + (pagemap == null ? "" : " of " + pagemap);
    }
}
