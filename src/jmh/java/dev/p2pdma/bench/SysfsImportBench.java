package dev.p2pdma.bench;

import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.SysfsImporter;
import dev.p2pdma.sim.SyntheticHost;
import dev.p2pdma.testing.SyntheticSysfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Importing a sysfs capture directory of 1,252 functions (4 root ports of the synthetic host),
 * against a baseline that only reads the same regular files' bytes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SysfsImportBench {

    /** The capture directory. */
    private Path root;
    /** Every regular file in it. */
    private List<Path> files;

    @Setup
    public void setUp() throws IOException {
        root = Files.createTempDirectory("p2pdma-bench-sysfs");
        PciTopology t = SyntheticHost.build(4);
        if (SyntheticSysfs.write(t, root) < 1000) {
            throw new IllegalStateException("fewer than 1000 functions");
        }
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).toList();
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The importer on the capture directory. */
    @Benchmark
    public PciTopology importSysfs() throws Exception {
        return SysfsImporter.read(root);
    }

    /** Baseline: read every regular file of the capture once. */
    @Benchmark
    public long readFilesOnly() throws IOException {
        long n = 0;
        for (Path p : files) {
            n += Files.readAllBytes(p).length;
        }
        return n;
    }
}
