package dev.p2pdma.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.sim.SyntheticHost;
import java.io.StringReader;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The 1,000-endpoint host: the page holds every function and every cell, in a size a browser opens easily. */
class LargeMachineReportTest {

    @Test
    void theThousandEndpointReportHoldsEveryCellInAFewMegabytes() {
        PciTopology t = SyntheticHost.build();
        String html = HtmlReport.render(ReportModel.of(Machines.of(t), PciIds.empty()));
        assertThat(html.length()).as("characters").isLessThan(8_000_000);
        assertThat(html).contains("id=\"matrix-rows\"").doesNotContain("<td class=\"cell ");
        assertThat(html).contains("<body data-fold=\"3\">");
        String blob = html.substring(html.indexOf("id=\"p2pdma-data\">") + "id=\"p2pdma-data\">".length(), html.lastIndexOf("</script>\n<script>"));
        JsonNode data = JsonMapper.builder().build().readTree(new StringReader(blob));
        assertThat(data.get("nodes").size()).isEqualTo(t.size() + t.hostBridges().size());
        assertThat(data.get("endpoints").size()).isEqualTo(1000);
        assertThat(data.get("cells").size()).isEqualTo(1000);
        long cells = 0;
        for (JsonNode row : data.get("cells")) {
            long inRow = 0;
            for (String run : row.asString().split(",")) {
                inRow += Long.parseLong(run.substring(run.indexOf('*') + 1));
            }
            assertThat(inRow).isEqualTo(1000);
            cells += inRow;
        }
        assertThat(cells).isEqualTo(1_000_000);
        assertThat(data.get("paths").size()).as("every route is the one the tree gives").isZero();
    }
}
