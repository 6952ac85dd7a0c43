package dev.p2pdma.p2pdma;

import java.util.Comparator;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Linux kernel version as the model distinguishes them: MAJOR.MINOR of a release ("6.12" from
 * "6.12.118-amd64"), or {@link #NEXT}, the material still in review (spec 12.2), which sorts after
 * every release. What a version changes is data: the host-bridge allowlist rows name the version
 * that added them ({@link HostBridgeWhitelist}), the other behaviour changes are
 * {@link KernelChange} constants with their first version, and {@link #era()} maps the version to
 * the {@link Era} that carries the scatterlist behaviour. Code asks the version ({@link #has}),
 * never compares version numbers itself.
 *
 * <p>Invariant: {@code major >= 4} and {@code minor >= 0}; a release is at least
 * {@link #FIRST_P2PDMA} (4.20, where P2PDMA appeared). Immutable; thread-safe.
 *
 * @param major the major number ({@link Integer#MAX_VALUE} for {@link #NEXT})
 * @param minor the minor number ({@link Integer#MAX_VALUE} for {@link #NEXT})
 */
public record KernelVersion(int major, int minor) implements Comparable<KernelVersion> {

    /** The in-review material ({@code --kernel-version next}): every release's behaviour and {@link Era#NEXT}. */
    public static final KernelVersion NEXT = new KernelVersion(Integer.MAX_VALUE, Integer.MAX_VALUE);
    /** Linux 6.12, the version the model is exact for (spec sections 1-11) and the default. */
    public static final KernelVersion V6_12 = new KernelVersion(6, 12);
    /** Linux 4.20, the first release with P2PDMA. */
    public static final KernelVersion FIRST_P2PDMA = new KernelVersion(4, 20);

    /** Linux 6.0: dma_map_sg() understands P2PDMA pages (era {@link Era#SG}). */
    private static final KernelVersion V6_0 = new KernelVersion(6, 0);
    /** Linux 6.16: the two-step DMA API era ({@link Era#IOVA25}). */
    private static final KernelVersion V6_16 = new KernelVersion(6, 16);
    /** MAJOR.MINOR, then anything after a '.', '-', '+' or '~' (sublevel, local version). */
    private static final Pattern RELEASE = Pattern.compile("(\\d{1,4})\\.(\\d{1,4})(?:[.\\-+~_].*)?");
    /** Order: major, then minor. */
    private static final Comparator<KernelVersion> ORDER = Comparator.comparingInt(KernelVersion::major).thenComparingInt(KernelVersion::minor);

    /** Checks the invariant. */
    public KernelVersion {
        if (major < 4 || minor < 0) {
            throw new IllegalArgumentException("kernel version " + major + "." + minor + ": not a Linux version with P2PDMA");
        }
    }

    /**
     * Parses {@code --kernel-version}: "7.4", a release such as "6.12.118-amd64", or "next".
     *
     * @throws IllegalArgumentException naming the value and what is accepted, also for versions before 4.20
     */
    public static KernelVersion parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.strip();
        if (s.toLowerCase(Locale.ROOT).equals("next")) {
            return NEXT;
        }
        Matcher m = RELEASE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("kernel version '" + text + "': expected MAJOR.MINOR (6.12, 7.4), a release such as "
                    + "6.12.118-amd64, or 'next'");
        }
        KernelVersion v;
        try {
            v = new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kernel version '" + text + "': P2PDMA appeared in Linux 4.20; earlier kernels have none", e);
        }
        if (v.compareTo(FIRST_P2PDMA) < 0) {
            throw new IllegalArgumentException("kernel version '" + text + "': P2PDMA appeared in Linux 4.20; earlier kernels have none");
        }
        return v;
    }

    /** The version of a kernel release string ({@code /proc/sys/kernel/osrelease}); empty when it is not one the model knows. */
    public static Optional<KernelVersion> ofRelease(String release) {
        try {
            KernelVersion v = parse(release);
            return v == NEXT ? Optional.empty() : Optional.of(v);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** True for {@link #NEXT}. */
    public boolean isNext() {
        return equals(NEXT);
    }

    /** True when this version is {@code other} or later. */
    public boolean atLeast(KernelVersion other) {
        return compareTo(other) >= 0;
    }

    /** True when this version has the change (it is the change's first version or later). */
    public boolean has(KernelChange change) {
        return atLeast(change.since());
    }

    /** The era whose scatterlist behaviour this version has: PRE before 6.0, SG 6.0-6.15, IOVA25 from 6.16, NEXT for next. */
    public Era era() {
        if (isNext()) {
            return Era.NEXT;
        }
        return atLeast(V6_16) ? Era.IOVA25 : atLeast(V6_0) ? Era.SG : Era.PRE;
    }

    @Override
    public int compareTo(KernelVersion o) {
        return ORDER.compare(this, o);
    }

    /** "6.12", "7.4" or "next". */
    @Override
    public String toString() {
        return isNext() ? "next" : major + "." + minor;
    }
}
