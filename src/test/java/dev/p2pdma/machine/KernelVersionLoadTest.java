package dev.p2pdma.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.p2pdma.KernelVersion;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.PciAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec 12 (kernels after 6.12): which version's rules a loaded machine uses, and what booting it on that version does. */
class KernelVersionLoadTest {

    /** The hand-made Zhaoxin machine (host bridge 1d17:1003, captured on 6.12.118-amd64). */
    private static final Path ZHAOXIN = Path.of("examples/machines/zhaoxin-host-bridge.yaml");
    private static final PciAddress P = PciAddress.parse("0000:01:00.0");
    private static final PciAddress C = PciAddress.parse("0000:02:00.0");

    private static LoadedMachine load(Path file, Optional<KernelVersion> k) throws Exception {
        return LoadedMachine.load(LoadedMachine.SourceKind.TOPOLOGY, file, List.of(), Optional.empty(), UnknownAcsPolicy.NO_REDIRECT, k);
    }

    /** A copy of the Zhaoxin machine with another {@code kernel:} line (or none) and, optionally, 02:00.0 bound to another driver. */
    private static Path variant(Path dir, String kernelLine, String clientDriver) throws Exception {
        String yaml = Files.readString(ZHAOXIN).replace("  kernel: \"6.12.118-amd64\"\n", kernelLine);
        int client = yaml.indexOf("address: \"0000:02:00.0\"");
        yaml = yaml.substring(0, client) + yaml.substring(client).replaceFirst("driver: nvme", "driver: " + clientDriver);
        Path out = dir.resolve("m.yaml");
        Files.writeString(out, yaml);
        return out;
    }

    @Test
    void withoutAVersionTheInputsOwnReleaseDecides_spec12() throws Exception {
        LoadedMachine m = load(ZHAOXIN, Optional.empty());
        assertThat(m.decision().options().kernel()).isEqualTo(KernelVersion.V6_12);
        assertThat(m.kernelVersionText()).isEqualTo("6.12 (the input's kernel release 6.12.118-amd64)");
        assertThat(m.kernelVersionIsNotBaseline()).isFalse();
        assertThat(m.decision().verdict(P, C).mapType()).isEqualTo(MapType.NOT_SUPPORTED);
    }

    @Test
    void aCaptureFromALaterKernelIsDecidedWithThatKernelsAllowlist_spec12_1(@TempDir Path dir) throws Exception {
        LoadedMachine m = load(variant(dir, "  kernel: \"7.4.3-arch1-1\"\n", "nvme"), Optional.empty());
        assertThat(m.decision().options().kernel()).isEqualTo(KernelVersion.parse("7.4"));
        assertThat(m.kernelVersionText()).isEqualTo("7.4 (the input's kernel release 7.4.3-arch1-1)");
        assertThat(m.decision().verdict(P, C).mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
    }

    @Test
    void anExplicitVersionWinsOverTheRelease_spec12() throws Exception {
        LoadedMachine m = load(ZHAOXIN, Optional.of(KernelVersion.parse("7.4")));
        assertThat(m.kernelVersionText()).isEqualTo("7.4 (--kernel-version; the input's kernel release is 6.12.118-amd64)");
        assertThat(m.kernelVersionIsNotBaseline()).isTrue();
        assertThat(m.decision().verdict(P, C).mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(load(ZHAOXIN, Optional.of(KernelVersion.NEXT)).decision().verdict(P, C).mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
    }

    @Test
    void noReleaseOrAnUnknownOneMeans6_12WithANote_spec12(@TempDir Path dir) throws Exception {
        LoadedMachine none = load(variant(dir, "", "nvme"), Optional.empty());
        assertThat(none.decision().options().kernel()).isEqualTo(KernelVersion.V6_12);
        assertThat(none.kernelVersionText()).isEqualTo("6.12 (default: the input names no kernel release)");
        LoadedMachine odd = load(variant(dir, "  kernel: \"mainline-tip\"\n", "nvme"), Optional.empty());
        assertThat(odd.decision().options().kernel()).isEqualTo(KernelVersion.V6_12);
        assertThat(odd.assumptions()).contains("kernel release 'mainline-tip' is not a version the model knows: Linux 6.12 rules used"
                + " (set --kernel-version to change)");
    }

    @Test
    void bootingOn6_19MakesVfioPciDevicesProvidersWithoutAPool_spec12_1_M4(@TempDir Path dir) throws Exception {
        Path vfio = variant(dir, "  kernel: \"6.12.118-amd64\"\n", "vfio-pci");
        RunningMachine old = RunningMachine.boot(load(vfio, Optional.empty()), RunningMachine.DEFAULT_RAM_BYTES);
        assertThat(old.providers().provider(C)).isEmpty();
        RunningMachine now = RunningMachine.boot(load(vfio, Optional.of(KernelVersion.parse("6.19"))), RunningMachine.DEFAULT_RAM_BYTES);
        assertThat(now.providers().provider(C)).hasValueSatisfying(p -> assertThat(p.poolBacked()).isFalse());
        assertThat(now.providers().provider(P)).hasValueSatisfying(p -> assertThat(p.poolBacked()).isTrue());
        assertThat(now.providers().finder().hasP2pmem(C)).isFalse();
    }
}
