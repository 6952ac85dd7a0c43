package dev.p2pdma.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.testing.Topo;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The page and the SVG: deterministic, self-contained, and unbroken by names full of markup characters. */
class HtmlReportTest {

    /** A name that would break naive markup, script or JSON. */
    private static final String HOSTILE = "Evil <b>&amp;\"quoted\" 'x' </script><!-- \u2028 end";

    private static LoadedMachine hostileMachine() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:01.0", 1, Topo.acs(0))
                .add(PciFunction.builder(PciAddress.parse("0000:01:00.0")).ids(0xabcd, 0x0001).classCode(0x010802).headerType(0)
                        .portType(PortType.ENDPOINT).acs(AcsState.ABSENT).description(HOSTILE).iommuGroup(7).build(),
                        new Parent.Bridge(PciAddress.parse("0000:00:01.0")))
                .endpoint("0000:00:02.0", "", Topo.noAcs())
                .build();
        return Machines.of(t);
    }

    private static Document xml(String s) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static String blob(String html) {
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"p2pdma-data\">(.*?)</script>", Pattern.DOTALL).matcher(html);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    @Test
    void theSameMachineGivesTheSameBytes() {
        LoadedMachine m = hostileMachine();
        String a = HtmlReport.render(ReportModel.of(m, Machines.testIds()));
        String b = HtmlReport.render(ReportModel.of(hostileMachine(), Machines.testIds()));
        assertThat(a).isEqualTo(b);
        assertThat(SvgTree.document(ReportModel.of(m, PciIds.empty()), Optional.empty()))
                .isEqualTo(SvgTree.document(ReportModel.of(hostileMachine(), PciIds.empty()), Optional.empty()));
    }

    @Test
    void thePageFetchesNothing() {
        String html = HtmlReport.render(ReportModel.of(hostileMachine(), Machines.testIds()));
        assertThat(html).contains("Content-Security-Policy\" content=\"default-src 'none';");
        assertThat(html).doesNotContain("src=", "href=", "@import", "@font-face");
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://", "https://");
    }

    @Test
    void aNameFullOfMarkupCharactersCannotBreakThePage() throws Exception {
        String html = HtmlReport.render(ReportModel.of(hostileMachine(), PciIds.empty()));
        assertThat(html).doesNotContain(HOSTILE).doesNotContain("<b>&amp;");
        assertThat(html).contains("Evil &lt;b&gt;&amp;amp;&quot;quoted&quot; &#39;x&#39; &lt;/script&gt;&lt;!--");
        // exactly two script elements: the data and the code
        assertThat(Pattern.compile("<script").matcher(html).results().count()).isEqualTo(2);
        assertThat(Pattern.compile("</script>").matcher(html).results().count()).isEqualTo(2);
        JsonNode data = JsonMapper.builder().build().readTree(new StringReader(blob(html)));
        assertThat(data.get("nodes").findValuesAsString("name")).contains(HOSTILE);
        assertThat(blob(html)).doesNotContain("<", ">", "&", "\u2028");
    }

    @Test
    void theSvgIsWellFormedXmlWithEveryFunctionNamedAsText() throws Exception {
        LoadedMachine m = hostileMachine();
        Document d = xml(SvgTree.document(ReportModel.of(m, PciIds.empty()), Optional.empty()));
        NodeList gs = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "g");
        int functions = 0;
        for (int k = 0; k < gs.getLength(); k++) {
            Element g = (Element) gs.item(k);
            if (g.hasAttribute("data-addr")) {
                functions++;
                if (g.getAttribute("data-addr").equals("0000:01:00.0")) {
                    assertThat(g.getTextContent()).contains(HOSTILE);
                }
            }
        }
        assertThat(functions).isEqualTo(m.topology().size());
        assertThat(d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect").getLength()).isGreaterThan(0);
    }

    @Test
    void computedIommuGroupsAreOutlinedAndTheHeaderSaysWhereTheyCameFrom() throws Exception {
        ReportModel model = ReportModel.of(Machines.load(LoadedMachine.SourceKind.SYSFS, Machines.capture("sw-iommu_on-cpu_intel")),
                Machines.testIds());
        Document d = xml(SvgTree.document(model, Optional.empty()));
        NodeList rects = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        java.util.Set<String> groups = new java.util.TreeSet<>();
        for (int k = 0; k < rects.getLength(); k++) {
            Element r = (Element) rects.item(k);
            if (r.getAttribute("class").equals("grp")) {
                groups.add(r.getAttribute("data-group"));
            }
        }
        assertThat(groups).containsExactly("0", "1", "2", "3", "4", "5");
        assertThat(model.header()).contains(new ReportModel.HeaderLine("iommu",
                "on; outlined groups are the 6 IOMMU groups the kernel would make (computed, spec 5.6); the capture's own groups agree"));
        assertThat(model.header()).contains(new ReportModel.HeaderLine("names", "vendor and device names from test-pci.ids, version test-1"));
    }

    @Test
    void anIommuOffCaptureHasNoOutlinesUntilAWhatIfBootsItWithAnIommu() throws Exception {
        Path off = Machines.capture("sw-iommu_off-cpu_intel");
        ReportModel plain = ReportModel.of(Machines.load(LoadedMachine.SourceKind.SYSFS, off), PciIds.empty());
        assertThat(outlinedGroups(plain)).isEmpty();
        assertThat(plain.header()).contains(new ReportModel.HeaderLine("iommu", "off; no IOMMU groups"));
        ReportModel booted = ReportModel.of(LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, off, List.of("intel_iommu=on"),
                Optional.empty(), UnknownAcsPolicy.NO_REDIRECT), PciIds.empty());
        assertThat(outlinedGroups(booted)).containsExactly("0", "1", "2", "3", "4", "5");
        for (int i = 0; i < booted.topology().size(); i++) {
            assertThat(booted.iommuGroupOf(i)).as(booted.topology().function(i).address().toString())
                    .isEqualTo(Machines.load(LoadedMachine.SourceKind.SYSFS, Machines.capture("sw-iommu_on-cpu_intel")).topology()
                            .function(i).iommuGroup().orElseThrow());
        }
    }

    private static java.util.Set<String> outlinedGroups(ReportModel model) throws Exception {
        NodeList rects = xml(SvgTree.document(model, Optional.empty())).getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        java.util.Set<String> groups = new java.util.TreeSet<>();
        for (int k = 0; k < rects.getLength(); k++) {
            Element r = (Element) rects.item(k);
            if (r.getAttribute("class").equals("grp")) {
                groups.add(r.getAttribute("data-group"));
            }
        }
        return groups;
    }

    @Test
    void aStaticSvgForAProviderColoursEveryFunctionWithLetterAndClass() throws Exception {
        ReportModel model = ReportModel.of(Machines.load(LoadedMachine.SourceKind.SYSFS, Machines.capture("sw-iommu_on-cpu_intel")),
                PciIds.empty());
        int provider = model.topology().indexOf(PciAddress.parse("0000:03:00.0"));
        Document d = xml(SvgTree.document(model, Optional.of(provider)));
        NodeList gs = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "g");
        java.util.Map<String, String> classOf = new java.util.TreeMap<>();
        for (int k = 0; k < gs.getLength(); k++) {
            Element g = (Element) gs.item(k);
            if (g.hasAttribute("data-addr")) {
                classOf.put(g.getAttribute("data-addr"), g.getAttribute("class"));
            }
        }
        assertThat(classOf.get("0000:03:00.0")).endsWith("mt-P");
        assertThat(classOf.get("0000:04:00.0")).endsWith("mt-B");
        assertThat(classOf.get("0000:00:1f.2")).endsWith("mt-X");
        assertThat(classOf.get("0000:02:00.0")).endsWith("mt-none");
    }

    @Test
    void aMachineWithoutEndpointsStillRenders() {
        PciTopology t = PciTopology.builder(dev.p2pdma.pci.MachineInfo.unknown("empty")).hostBridge(new HostBridge(0, 0)).build();
        String html = HtmlReport.render(ReportModel.of(Machines.of(t), PciIds.empty()));
        assertThat(html).contains("No non-bridge PCI functions.", "pci0000:00");
    }
}
