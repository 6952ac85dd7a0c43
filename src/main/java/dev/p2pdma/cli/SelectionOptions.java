package dev.p2pdma.cli;

import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import picocli.CommandLine.Option;

/**
 * The options that choose which pairs {@code matrix} and {@code report} cover, and {@code --force}
 * for outputs larger than {@link #MAX_PAIRS} pairs. Filled by picocli; not thread-safe.
 *
 * <p>Rule: {@code --provider} chooses the rows and {@code --client} the columns; {@code --class}
 * restricts both sides when given alone, and only the side not chosen by address otherwise.
 */
public final class SelectionOptions {

    /** Largest number of pairs written without {@code --force} (the 1,000-endpoint synthetic host is exactly this). */
    static final long MAX_PAIRS = 1_000_000;
    /** The flags to suggest when the output is too large. */
    static final String SUGGESTION = "select with --provider BDF, --client BDF or --class nvme|gpu|nic|..., or add --force";

    /** Providers by address. */
    @Option(names = "--provider", paramLabel = "BDF", split = ",",
            description = "Only these providers (rows): [domain:]bus:device.function, repeatable or comma-separated.")
    List<String> providers = new ArrayList<>();

    /** Clients by address. */
    @Option(names = "--client", paramLabel = "BDF", split = ",",
            description = "Only these clients (columns): [domain:]bus:device.function, repeatable or comma-separated.")
    List<String> clients = new ArrayList<>();

    /** Kinds by PCI class. */
    @Option(names = "--class", paramLabel = "CLASS", split = ",",
            description = "Only functions of these PCI classes: nvme (0x0108), storage (0x01), nic|network (0x02), gpu|display (0x03), "
                    + "multimedia (0x04), memory (0x05), serial (0x0c), accelerator (0x12). Alone it restricts providers and clients; "
                    + "with --provider (or --client) it restricts only the other side.")
    List<String> classes = new ArrayList<>();

    /** Write even when the output is larger than the limit. */
    @Option(names = "--force", description = "Write the output even when it covers more than 1,000,000 pairs.")
    boolean force;

    /**
     * The selection these flags make on a topology.
     *
     * @throws UsageError naming the flag and value when an address is malformed, absent, a bridge, or a class is unknown or empty
     */
    MatrixSelection resolve(PciTopology t) {
        List<DeviceClass> kinds = kinds();
        int[] endpoints = t.matrixEndpoints();
        if (!providers.isEmpty() && !clients.isEmpty() && !kinds.isEmpty()) {
            throw new UsageError("--class has nothing to restrict when both --provider and --client are given");
        }
        int[] ofClass = endpoints;
        if (!kinds.isEmpty()) {
            ofClass = IntStream.of(endpoints).filter(f -> kinds.stream().anyMatch(k -> k.matches(t.function(f).classCode()))).toArray();
            if (ofClass.length == 0) {
                throw new UsageError("--class " + String.join(",", kinds.stream().map(DeviceClass::flagName).toList())
                        + ": no such function among the " + endpoints.length + " non-bridge functions of " + t.machine().source());
            }
        }
        int[] rows = providers.isEmpty() ? ofClass : byAddress(t, "--provider", providers);
        int[] columns = clients.isEmpty() ? ofClass : byAddress(t, "--client", clients);
        return new MatrixSelection(rows, columns, names(t, "--provider", providers), names(t, "--client", clients), kinds);
    }

    /**
     * Fails before anything is written when an output covers more pairs than the limit and
     * {@code --force} is not given.
     *
     * @param what     what would be written, e.g. "the matrix JSON"
     * @param pairs    how many pairs it covers
     * @param detail   more about its size, e.g. " (50000 providers x 50000 clients, about 1.4 TB)", or empty
     */
    void checkSize(String what, long pairs, String detail) {
        if (force || pairs <= MAX_PAIRS) {
            return;
        }
        throw new UsageError(String.format(java.util.Locale.ROOT, "%s would cover %,d pairs%s, more than the %,d written without --force: %s",
                what, pairs, detail, MAX_PAIRS, SUGGESTION));
    }

    private List<DeviceClass> kinds() {
        Set<DeviceClass> out = new LinkedHashSet<>();
        for (String c : classes) {
            out.add(DeviceClass.parse(c).orElseThrow(() -> new UsageError("--class: unknown class '" + c + "' (known: " + DeviceClass.names() + ")")));
        }
        return List.copyOf(out);
    }

    /** The matrix endpoints named, in address order without repeats. */
    private static int[] byAddress(PciTopology t, String flag, List<String> texts) {
        boolean[] chosen = new boolean[t.size()];
        for (String text : texts) {
            chosen[endpoint(t, flag, text)] = true;
        }
        return IntStream.range(0, t.size()).filter(i -> chosen[i]).sorted().toArray();
    }

    private static List<String> names(PciTopology t, String flag, List<String> texts) {
        int[] idx = texts.isEmpty() ? new int[0] : byAddress(t, flag, texts);
        return Arrays.stream(idx).mapToObj(i -> t.function(i).address().toString()).toList();
    }

    /** The topology index of an address the user typed, which must be a non-bridge function. */
    private static int endpoint(PciTopology t, String flag, String text) {
        Optional<PciAddress> a = PciAddress.tryParse(text.strip());
        if (a.isEmpty()) {
            throw new UsageError(flag + ": not a PCI address: '" + text + "' (expected [domain:]bus:device.function, e.g. 0000:03:00.0)");
        }
        int i = t.indexOf(a.get());
        if (i < 0) {
            throw new UsageError(flag + ": no PCI function " + a.get() + " in " + t.machine().source());
        }
        if (!t.isMatrixEndpoint(i)) {
            throw new UsageError(flag + ": " + a.get() + " is a bridge (class 0x06), not in the matrix of non-bridge functions");
        }
        return i;
    }
}
