package dev.p2pdma.bench;

import dev.p2pdma.testing.IovaWorkload;
import dev.p2pdma.testing.SgWorkload;
import dev.p2pdma.testing.SgWorkload.Pattern;
import dev.p2pdma.testing.SgWorkload.Segment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Models the check values of {@code ../shared/bench/workloads.md}'s workloads, as the document
 * lists them and as the Java benchmarks hold them, keyed by workload name. Stateless; thread-safe.
 */
final class WorkloadChecks {

    /** A check-value bullet: "- `name`: values". */
    private static final java.util.regex.Pattern BULLET = java.util.regex.Pattern.compile("- `([^`]+)`: (.+)");

    private WorkloadChecks() {
    }

    /** The bullets of the document's "## Check values" section, in order. */
    static Map<String, String> fromDocument(List<String> lines) {
        Map<String, String> out = new LinkedHashMap<>();
        boolean inSection = false;
        for (String line : lines) {
            if (line.startsWith("## ")) {
                inSection = line.startsWith("## Check values");
                continue;
            }
            Matcher m = BULLET.matcher(line.strip());
            if (inSection && m.matches()) {
                out.put(m.group(1), m.group(2).strip());
            }
        }
        return out;
    }

    /** The check values the Java benchmarks refuse to run without (SgWorkload, IovaWorkload). */
    static Map<String, String> javaSide() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Pattern p : Pattern.values()) {
            for (Segment s : Segment.values()) {
                out.put("sg.alloc." + p.label() + "." + s.label(), SgWorkload.kernelCheckLine(p, s));
            }
        }
        out.put("iova.warm.size1", IovaWorkload.KERNEL_WARM_SIZE1);
        out.put("iova.warm.size32", IovaWorkload.KERNEL_WARM_SIZE32);
        out.put("iova.cold.rand1-64", IovaWorkload.KERNEL_COLD);
        out.put("iova.fragfast.rand1-64", IovaWorkload.KERNEL_FRAGFAST);
        return out;
    }

    /** Where two sets of check values disagree: a workload missing from one side or a different value. Empty when equal. */
    static List<String> differences(String leftName, Map<String, String> left, String rightName, Map<String, String> right) {
        List<String> out = new ArrayList<>();
        left.forEach((k, v) -> {
            String r = right.get(k);
            if (r == null) {
                out.add(k + ": in " + leftName + ", not in " + rightName);
            } else if (!r.equals(v)) {
                out.add(k + ": " + leftName + " has " + v + ", " + rightName + " has " + r);
            }
        });
        right.keySet().stream().filter(k -> !left.containsKey(k)).forEach(k -> out.add(k + ": in " + rightName + ", not in " + leftName));
        return out;
    }
}
