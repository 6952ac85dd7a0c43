package dev.p2pdma.report;

import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.machine.LoadedMachine;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Machines and name databases for the report tests. Stateless. */
final class Machines {

    private Machines() {
    }

    /** A hand-built topology as a loaded machine without what-ifs. */
    static LoadedMachine of(PciTopology t) {
        return new LoadedMachine(t, P2pDmaDecision.of(t), List.of(), List.of(), Optional.empty());
    }

    /** An input file as the CLI loads it. */
    static LoadedMachine load(LoadedMachine.SourceKind kind, Path p) throws ImportException {
        return LoadedMachine.load(kind, p, List.of(), Optional.empty(), UnknownAcsPolicy.NO_REDIRECT);
    }

    /** The shared data folder. */
    static Path shared() {
        return Path.of(System.getProperty("p2pdma.shared", "../shared"));
    }

    /** The conformance capture of a case. */
    static Path capture(String name) {
        return shared().resolve("conformance").resolve(name).resolve("capture.tar.gz");
    }

    /** The small test database (the QEMU captures' devices, one name with markup characters). */
    static PciIds testIds() {
        try (var in = Machines.class.getResourceAsStream("/dev/p2pdma/report/test-pci.ids")) {
            return PciIds.parse("test-pci.ids", new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ImportException e) {
            throw new IllegalStateException(e);
        }
    }
}
