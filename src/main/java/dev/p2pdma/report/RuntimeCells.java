package dev.p2pdma.report;

import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.runtime.RuntimeDecision;
import dev.p2pdma.runtime.RuntimeVerdicts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runtimes' decisions of every matrix cell, coded for the report's blob: {@code lines} (the
 * distinct runtime lines, as {@code explain} prints them), {@code sets} (distinct lists of line
 * indexes, one list per distinct set of decisions) and per provider row the run-length-coded set of
 * each cell, {@code set*count} joined by commas. Lines name no address, so no templating is
 * needed. Deterministic: lines and sets are numbered in first-use order. Immutable once computed.
 *
 * @param lines the distinct lines
 * @param sets  the distinct sets, as line indexes in {@code Runtime} order
 * @param rows  per provider row, the run-length-coded set index of each cell
 */
record RuntimeCells(List<String> lines, List<List<Integer>> sets, List<String> rows) {

    RuntimeCells {
        lines = List.copyOf(lines);
        sets = List.copyOf(sets);
        rows = List.copyOf(rows);
    }

    /** Codes every cell of {@code matrix} with the decisions of {@code runtimes}. */
    static RuntimeCells compute(P2pMatrix matrix, RuntimeVerdicts runtimes) {
        Map<String, Integer> lineIds = new HashMap<>();
        List<String> lines = new ArrayList<>();
        Map<List<Integer>, Integer> setIds = new HashMap<>();
        List<List<Integer>> sets = new ArrayList<>();
        // the verdicts object shares one list per distinct decision set: code each list once
        Map<List<RuntimeDecision>, Integer> seen = new IdentityHashMap<>();
        List<String> rows = new ArrayList<>(matrix.rows());
        long[] packed = new long[matrix.columns()];
        for (int i = 0; i < matrix.rows(); i++) {
            matrix.row(i, packed);
            StringBuilder sb = new StringBuilder();
            int run = -1;
            int count = 0;
            long lastCode = 0;
            int lastFacts = -1;
            MapType lastType = null;
            int provider = matrix.provider(i);
            for (int j = 0; j < matrix.columns(); j++) {
                // a client like the previous one (same route, facts and verdict) has the previous one's decisions
                int client = matrix.client(j);
                long code = runtimes.routes().code(provider, client);
                int facts = runtimes.factsId(client);
                MapType type = P2pDmaDecision.mapTypeOf(packed[j]);
                if (run >= 0 && code == lastCode && facts == lastFacts && type == lastType) {
                    count++;
                    continue;
                }
                List<RuntimeDecision> ds = runtimes.decide(code, provider, client, type);
                Integer set = seen.get(ds);
                if (set == null) {
                    List<Integer> ids = new ArrayList<>(ds.size());
                    for (RuntimeDecision d : ds) {
                        ids.add(lineIds.computeIfAbsent(d.line(), l -> {
                            lines.add(l);
                            return lines.size() - 1;
                        }));
                    }
                    set = setIds.computeIfAbsent(List.copyOf(ids), s -> {
                        sets.add(s);
                        return sets.size() - 1;
                    });
                    seen.put(ds, set);
                }
                lastCode = code;
                lastFacts = facts;
                lastType = type;
                if (set == run) {
                    count++;
                } else {
                    if (count > 0) {
                        sb.append(sb.isEmpty() ? "" : ",").append(run).append('*').append(count);
                    }
                    run = set;
                    count = 1;
                }
            }
            if (count > 0) {
                sb.append(sb.isEmpty() ? "" : ",").append(run).append('*').append(count);
            }
            rows.add(sb.toString());
        }
        return new RuntimeCells(lines, sets, rows);
    }
}
