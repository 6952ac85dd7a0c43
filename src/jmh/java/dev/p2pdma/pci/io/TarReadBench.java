package dev.p2pdma.pci.io;

import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.sim.SyntheticHost;
import dev.p2pdma.testing.SyntheticSysfs;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Why {@link TarStream} exists beside commons-compress: reading every member of the gzip'd capture
 * tarball of 1,252 functions (4 root ports of the synthetic host, as {@code p2pdma capture} writes
 * it) with our reader and with commons-compress's {@code TarArchiveInputStream}, both over the same
 * in-memory gzip stream and both reading every regular file's bytes, against a baseline that only
 * inflates the stream. Run with {@code ./bench 'dev.p2pdma.pci.io.TarReadBench'}; add JMH's
 * {@code -prof gc} to see the bytes allocated per read. Benchmark state is per trial; one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TarReadBench {

    /** Size of the buffer between the inflater and a tar reader, as {@link TarCaptureTree} uses. */
    private static final int BUFFER_BYTES = 1 << 16;

    /** The gzip'd capture tarball. */
    private byte[] tarball;
    /** Where the tarball is written, for the whole-import benchmark. */
    private Path dir;

    /** Writes the synthetic host's sysfs tree and captures it into a tarball. */
    @Setup
    public void setUp() throws IOException, ImportException {
        dir = Files.createTempDirectory("p2pdma-bench-tar");
        Path tree = dir.resolve("tree");
        PciTopology t = SyntheticHost.build(4);
        if (SyntheticSysfs.write(t, tree) < 1000) {
            throw new IllegalStateException("fewer than 1000 functions");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SysfsCaptureWriter.write(tree, out);
        tarball = out.toByteArray();
        Files.write(dir.resolve("capture.tar.gz"), tarball);
    }

    /** Removes the temporary folder. */
    @TearDown
    public void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private InputStream gunzip() throws IOException {
        return GzipCompressorInputStream.builder().setInputStream(new ByteArrayInputStream(tarball)).setDecompressConcatenated(true).get();
    }

    /** Our reader: every header, and every regular file's bytes. */
    @Benchmark
    public long tarStream() throws IOException {
        long n = 0;
        try (InputStream in = new BufferedInputStream(gunzip(), BUFFER_BYTES)) {
            TarStream tar = new TarStream(in);
            for (Optional<TarStream.Header> h = tar.next(); h.isPresent(); h = tar.next()) {
                n += h.get().type() == TarStream.Type.REGULAR ? tar.readContent().length : 1;
            }
        }
        return n;
    }

    /** commons-compress's reader on the same stream: every header, and every regular file's bytes. */
    @Benchmark
    public long commonsCompress() throws IOException {
        long n = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(gunzip(), BUFFER_BYTES))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                n += e.isFile() ? tar.readNBytes((int) e.getSize()).length : 1;
            }
        }
        return n;
    }

    /** Baseline: inflate the stream and discard it. */
    @Benchmark
    public long gunzipOnly() throws IOException {
        long n = 0;
        byte[] buf = new byte[BUFFER_BYTES];
        try (InputStream in = gunzip()) {
            for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                n += r;
            }
        }
        return n;
    }

    /** For scale: the whole import of the same tarball from disk (TarStream and the importer). */
    @Benchmark
    public PciTopology importTarball() throws ImportException {
        return SysfsImporter.read(dir.resolve("capture.tar.gz"));
    }
}
