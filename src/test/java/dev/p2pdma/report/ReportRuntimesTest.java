package dev.p2pdma.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.runtime.NcclLevel;
import dev.p2pdma.runtime.RuntimeDecision;
import dev.p2pdma.runtime.RuntimeOptions;
import dev.p2pdma.runtime.RuntimeVerdicts;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The report's blob carries what each runtime decides for every cell (issue 12 part 3, the details
 * pane): decoding {@code rt}, {@code rtSets} and {@code rtLines} as the page's script does gives,
 * for every pair, the lines {@code explain} prints, under the runtime options the report was made
 * with.
 */
class ReportRuntimesTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode blob(String html) {
        String start = "id=\"p2pdma-data\">";
        String b = html.substring(html.indexOf(start) + start.length(), html.lastIndexOf("</script>\n<script>"));
        return JSON.readTree(b.replace("\\u003c", "<"));
    }

    /** Per provider row, the set index of each cell, decoded from the run-length code. */
    private static List<Integer> decode(String row) {
        List<Integer> out = new ArrayList<>();
        for (String run : row.split(",")) {
            String[] sc = run.split("\\*");
            for (int k = 0; k < Integer.parseInt(sc[1]); k++) {
                out.add(Integer.parseInt(sc[0]));
            }
        }
        return out;
    }

    private static void assertEveryCell(LoadedMachine m, RuntimeOptions o) {
        int[] endpoints = m.topology().matrixEndpoints();
        JsonNode data = blob(HtmlReport.render(ReportModel.of(m, Machines.testIds()), endpoints, o));
        P2pMatrix matrix = P2pMatrix.of(m.decision(), endpoints, endpoints);
        RuntimeVerdicts rt = RuntimeVerdicts.of(m, o);
        assertThat(data.get("rt").size()).isEqualTo(matrix.rows());
        for (int i = 0; i < matrix.rows(); i++) {
            List<Integer> sets = decode(data.get("rt").get(i).asString());
            assertThat(sets).hasSize(matrix.columns());
            for (int j = 0; j < matrix.columns(); j++) {
                List<String> shown = new ArrayList<>();
                data.get("rtSets").get(sets.get(j)).forEach(x -> shown.add(data.get("rtLines").get(x.asInt()).asString()));
                List<String> want = rt.decide(matrix.provider(i), matrix.client(j), matrix.mapType(i, j)).stream().map(RuntimeDecision::line).toList();
                assertThat(shown).as("cell %d,%d", i, j).isEqualTo(want);
            }
        }
    }

    @Test
    void everyCellOfASwitchCaptureDecodesToTheRuntimeLinesOfExplain() throws Exception {
        assertEveryCell(Machines.load(LoadedMachine.SourceKind.SYSFS, Machines.capture("sw2-iommu_on-cpu_amd")), RuntimeOptions.defaults());
    }

    @Test
    void everyCellOfTheDgx2DecodesToTheRuntimeLinesOfExplainAlsoWhereCellsShareADecisionSet() throws Exception {
        assertEveryCell(Machines.load(LoadedMachine.SourceKind.HWLOC, Machines.shared().resolve("real-machines/hwloc/nvidiaDGX2.xml")),
                RuntimeOptions.defaults());
    }

    @Test
    void aThousandEndpointsShareAFewDecisionSetsSoTheBlobStaysSmall() {
        LoadedMachine m = Machines.of(dev.p2pdma.sim.SyntheticHost.build());
        JsonNode data = blob(HtmlReport.render(ReportModel.of(m, Machines.testIds())));
        assertThat(data.get("rt").size()).isEqualTo(1000);
        assertThat(data.get("rtSets").size()).as("distinct decision sets for a million pairs").isLessThan(100);
        assertThat(data.get("rtLines").size()).isLessThan(200);
    }

    @Test
    void theReportUsesTheNcclLevelItWasMadeWith() throws Exception {
        LoadedMachine m = Machines.load(LoadedMachine.SourceKind.SYSFS, Machines.capture("rp-iommu_on-cpu_amd"));
        assertEveryCell(m, new RuntimeOptions(NcclLevel.parse("PIX")));
        String html = HtmlReport.render(ReportModel.of(m, Machines.testIds()), m.topology().matrixEndpoints(), new RuntimeOptions(NcclLevel.parse("PIX")));
        assertThat(blob(html).get("rtLines").toString()).contains("NCCL_P2P_LEVEL PIX (set)");
    }
}
