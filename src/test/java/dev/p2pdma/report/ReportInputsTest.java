package dev.p2pdma.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.machine.LoadedMachine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every conformance case and every real-machine input renders a report that names every function
 * and holds the tree and the data (files are picked up from the directories).
 */
class ReportInputsTest {

    /** The names used, loaded once. */
    private static final PciIds IDS = Machines.testIds();

    private static void assertRendersCompletely(LoadedMachine m) {
        String html = HtmlReport.render(ReportModel.of(m, IDS));
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        assertThat(html).contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tree\"", "id=\"p2pdma-data\"", "<dl class=\"facts\"");
        for (PciFunction f : m.topology().functions()) {
            assertThat(html).contains("data-addr=\"" + f.address() + "\"");
        }
        for (var hb : m.topology().hostBridges()) {
            assertThat(html).contains("data-hb=\"" + hb.name() + "\"");
        }
        int endpoints = m.topology().matrixEndpoints().length;
        if (endpoints <= HtmlReport.FULL_TABLE_MAX_ENDPOINTS) {
            assertThat(html.split("<td class=\"cell ", -1)).hasSize(endpoints * endpoints + 1);
        } else {
            assertThat(html).contains("id=\"matrix-rows\"");
        }
    }

    @TestFactory
    List<DynamicTest> everyConformanceCaseRendersAReportNamingEveryFunction() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> s = Files.list(Machines.shared().resolve("conformance"))) {
            for (Path dir : s.filter(Files::isDirectory).sorted().toList()) {
                tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(),
                        () -> assertRendersCompletely(Machines.load(LoadedMachine.SourceKind.SYSFS, dir.resolve("capture.tar.gz")))));
            }
        }
        assertThat(tests).hasSizeGreaterThanOrEqualTo(45);
        return tests;
    }

    @TestFactory
    List<DynamicTest> everyRealMachineRendersAReportNamingEveryFunction() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(Machines.shared().resolve("real-machines"))) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String n = f.getFileName().toString();
            LoadedMachine.SourceKind kind = f.getParent().getFileName().toString().equals("lspci") ? LoadedMachine.SourceKind.LSPCI
                    : n.endsWith(".xml") ? LoadedMachine.SourceKind.HWLOC
                    : n.endsWith(".tar.bz2") || n.endsWith(".tar.gz") ? LoadedMachine.SourceKind.SYSFS : null;
            if (kind == null) {
                assertThat(n).matches(".*\\.console|README\\.md");
                continue;
            }
            tests.add(DynamicTest.dynamicTest(n, () -> assertRendersCompletely(Machines.load(kind, f))));
        }
        assertThat(tests).hasSizeGreaterThanOrEqualTo(11);
        return tests;
    }
}
