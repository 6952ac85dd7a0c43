package dev.p2pdma.report.browser;

import dev.p2pdma.cli.Main;
import java.io.IOException;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code p2pdma matrix --format json} run in-process through {@link Main#run} (as the CLI tests'
 * {@code Cli} does), read as it streams out so that a million pairs need no million-pair string:
 * the pairs one by one, and per provider row the same FNV-1a digest the report's script computes
 * over {@code map_type|distance|path|reasons}. Not thread-safe.
 */
final class MatrixJson {

    /** JSON reading. */
    private static final JsonMapper JSON = JsonMapper.builder().disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private MatrixJson() {
    }

    /** Every pair of the matrix of the machine the arguments name (e.g. "--sysfs", FILE). */
    static List<JsonNode> pairs(String... input) {
        List<JsonNode> out = new ArrayList<>();
        stream(input, out::add);
        return out;
    }

    /**
     * The digests of every row and the pairs of one provider's row, from one run.
     *
     * @param digests per provider row, in order, the digest of its cells
     * @param row     the pairs whose provider is the one asked for
     */
    record Scan(List<String> digests, List<JsonNode> row) {
    }

    /** Per provider row, in order, the digest of its cells (see the class comment). */
    static List<String> rowDigests(String... input) {
        return scan("", input).digests();
    }

    /** The digests of every row and the pairs of {@code provider}'s row. */
    static Scan scan(String provider, String... input) {
        List<String> out = new ArrayList<>();
        List<JsonNode> pairs = new ArrayList<>();
        String[] row = {null};
        int[] h = {0};
        stream(input, pair -> {
            String p = pair.get("provider").asString();
            if (p.equals(provider)) {
                pairs.add(pair);
            }
            if (!p.equals(row[0])) {
                if (row[0] != null) {
                    out.add(Integer.toHexString(h[0]));
                }
                row[0] = p;
                h[0] = 0x811c9dc5;
            }
            h[0] = fnv(h[0], cellText(pair));
        });
        if (row[0] != null) {
            out.add(Integer.toHexString(h[0]));
        }
        return new Scan(out, pairs);
    }

    /** The text the digest covers for one pair. */
    static String cellText(JsonNode pair) {
        return pair.get("map_type").asString() + "|" + pair.get("distance").asInt() + "|" + String.join(" ", strings(pair.get("path"))) + "|"
                + String.join("\n", strings(pair.get("reasons"))) + "\n";
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.asString());
        }
        return out;
    }

    /** FNV-1a 32-bit over UTF-16 code units, as the script's Math.imul loop. */
    static int fnv(int h, String s) {
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 16777619;
        }
        return h;
    }

    private static void stream(String[] input, java.util.function.Consumer<JsonNode> each) {
        String[] args = new String[input.length + 3];
        args[0] = "matrix";
        System.arraycopy(input, 0, args, 1, input.length);
        args[input.length + 1] = "--format";
        args[input.length + 2] = "json";
        AtomicInteger status = new AtomicInteger(-1);
        AtomicReference<String> err = new AtomicReference<>("");
        try (PipedReader in = new PipedReader(1 << 16)) {
            PipedWriter pipe = new PipedWriter(in);
            Thread writer = Thread.ofPlatform().name("matrix-json").start(() -> {
                StringWriter e = new StringWriter();
                try (PrintWriter out = new PrintWriter(pipe)) {
                    status.set(Main.run(args, out, new PrintWriter(e)));
                }
                err.set(e.toString());
            });
            try (JsonParser p = JSON.createParser(in)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    writer.join();
                    throw new IllegalStateException("p2pdma matrix wrote no JSON object (status " + status.get() + "): " + err.get());
                }
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    if (name.equals("pairs")) {
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            each.accept(JSON.readTree(p));
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                // the reader stays open until the command has flushed and returned: closing it first
                // is a broken pipe, which the command reports as a write error (status 1)
                writer.join();
            }
        } catch (IOException e) {
            throw new IllegalStateException("reading the matrix JSON: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (status.get() != 0) {
            throw new IllegalStateException("p2pdma matrix failed (" + status.get() + "): " + err.get());
        }
    }
}
