package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input from a user: one line naming what is wrong, exit status 2, never a stack trace. */
class BadInputTest {

    private static void assertOneLineError(Cli r, String... mentions) {
        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("\tat ", "Exception");
        String first = r.err().lines().findFirst().orElse("");
        assertThat(first).startsWith("p2pdma: ").contains(mentions);
    }

    @Test
    void aMissingPathIsNamed(@TempDir Path tmp) {
        assertOneLineError(Cli.run("matrix", "--sysfs", tmp.resolve("nope.tar.gz").toString()), "nope.tar.gz");
        assertOneLineError(Cli.run("matrix", "--hwloc", tmp.resolve("nope.xml").toString()), "nope.xml");
        assertOneLineError(Cli.run("matrix", "--lspci", tmp.resolve("nope.txt").toString()), "nope.txt");
        assertOneLineError(Cli.run("matrix", "--topology", tmp.resolve("nope.yaml").toString()), "nope.yaml");
    }

    @Test
    void aFileOfTheWrongKindIsNamed(@TempDir Path tmp) throws Exception {
        Path xml = Cli.shared().resolve("real-machines/hwloc/nvidiaDGX2.xml");
        assertOneLineError(Cli.run("matrix", "--sysfs", xml.toString()), "nvidiaDGX2.xml");
        assertOneLineError(Cli.run("matrix", "--lspci", xml.toString()), "nvidiaDGX2.xml");
        assertOneLineError(Cli.run("matrix", "--topology", xml.toString()), "nvidiaDGX2.xml");
        assertOneLineError(Cli.run("matrix", "--hwloc", Cli.conformance("rc-iommu_off-cpu_amd")), "capture.tar.gz");
    }

    @Test
    void truncatedAndHostileFilesAreRefused(@TempDir Path tmp) throws Exception {
        byte[] tar = Files.readAllBytes(Path.of(Cli.conformance("sw-iommu_on-cpu_intel")));
        Path cut = tmp.resolve("cut.tar.gz");
        Files.write(cut, java.util.Arrays.copyOf(tar, tar.length / 2));
        assertOneLineError(Cli.run("matrix", "--sysfs", cut.toString()), "cut.tar.gz");
        Path laughs = tmp.resolve("laughs.xml");
        Files.writeString(laughs, "<?xml version=\"1.0\"?><!DOCTYPE t [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]><topology>&b;</topology>");
        assertOneLineError(Cli.run("matrix", "--hwloc", laughs.toString()), "laughs.xml");
        Path yaml = tmp.resolve("bomb.yaml");
        Files.writeString(yaml, "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n");
        assertOneLineError(Cli.run("matrix", "--topology", yaml.toString()), "bomb.yaml");
    }

    @Test
    void malformedAddressesAndUnknownFunctionsAreNamed() {
        String cap = Cli.conformance("sw-iommu_on-cpu_intel");
        assertOneLineError(Cli.run("explain", "--sysfs", cap, "0000:zz:00.0", "04:00.0"), "0000:zz:00.0");
        assertOneLineError(Cli.run("explain", "--sysfs", cap, "03:00.0", "07:00.0"), "0000:07:00.0");
    }

    @Test
    void malformedFlagsAreNamed() {
        String cap = Cli.conformance("sw-iommu_on-cpu_intel");
        assertOneLineError(Cli.run("matrix", "--sysfs", cap, "--cpu", "amd"), "--cpu");
        assertOneLineError(Cli.run("matrix", "--sysfs", cap, "--cpu", "amd:zen"), "--cpu");
        assertOneLineError(Cli.run("matrix", "--sysfs", cap, "--kernel-param", "novalue"), "--kernel-param");
        assertOneLineError(Cli.run("matrix", "--sysfs", cap, "--assume-acs", "maybe"), "--assume-acs");
        assertOneLineError(Cli.run("matrix", "--sysfs", cap, "--format", "xml"), "--format");
        assertOneLineError(Cli.run("matrix", "--bogus"), "--bogus");
        assertOneLineError(Cli.run("matrix", "--sysfs", cap, "--hwloc", "x.xml"), "mutually exclusive");
    }
}
