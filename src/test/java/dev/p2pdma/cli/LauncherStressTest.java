package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code ./p2pdma} builds on first use under a lock: launches started together after
 * a source change build once, and every one of them runs the new jar. Runs the real launcher of
 * this checkout on a copy of its sources (Maven offline through {@code P2PDMA_MVN_OPTS}); slow
 * (two builds), so it runs in the stress-test execution.
 */
class LauncherStressTest {

    /** Parallel launches after a source change. */
    private static final int PARALLEL = 6;
    /** Longest wait for one phase (a build plus the runs) on a loaded machine. */
    private static final long PHASE_TIMEOUT_SECONDS = 300;
    /** The line the launcher prints when it starts a build. */
    private static final String BUILDING = "p2pdma: building";

    /**
     * One finished launch.
     *
     * @param status exit status
     * @param out    standard output
     * @param err    standard error
     */
    private record Launch(int status, String out, String err) {
    }

    /** A started launch and the files its streams go to. */
    private record Running(Process process, Path out, Path err) {

        Launch await() throws Exception {
            if (!process.waitFor(PHASE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("launcher did not finish within " + PHASE_TIMEOUT_SECONDS + " s: " + Files.readString(err));
            }
            return new Launch(process.exitValue(), Files.readString(out), Files.readString(err));
        }
    }

    /** Copies what the launcher needs to build (launcher, wrapper, pom, bin/, src/main/) into {@code dir}. */
    private static Path copyOfTheProject(Path dir) throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        Path copy = Files.createDirectories(dir.resolve("p2pdma"));
        Files.createDirectories(copy.resolve("src"));
        List<String> cmd = new ArrayList<>(List.of("cp", "-a"));
        for (String p : List.of("p2pdma", "mvnw", "pom.xml", "bin")) {
            cmd.add(repo.resolve(p).toString());
        }
        cmd.add(copy.toString() + "/");
        assertThat(new ProcessBuilder(cmd).inheritIO().start().waitFor()).isZero();
        assertThat(new ProcessBuilder("cp", "-a", repo.resolve("src/main").toString(), copy.resolve("src").toString() + "/")
                .inheritIO().start().waitFor()).isZero();
        return copy;
    }

    private static Running start(Path project, Path logs, String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(project.resolve("p2pdma").toString());
        cmd.addAll(List.of(args));
        Path out = logs.resolve(name + ".out");
        Path err = logs.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("P2PDMA_MVN_OPTS", "-o");
        return new Running(pb.start(), out, err);
    }

    private static long buildsStarted(List<Launch> launches) {
        return launches.stream().flatMap(l -> l.err().lines()).filter(l -> l.startsWith(BUILDING)).count();
    }

    @Test
    void parallelFirstRunsAfterASourceChangeBuildOnceAndAllRunTheNewJar(@TempDir Path tmp) throws Exception {
        Path project = copyOfTheProject(tmp);
        Path logs = Files.createDirectories(tmp.resolve("logs"));
        String capture = Path.of(Cli.conformance("sw-iommu_on-cpu_intel")).toAbsolutePath().toString();

        Launch first = start(project, logs, "first", "matrix", "--sysfs", capture).await();
        assertThat(first.status()).as(first.err()).isZero();
        assertThat(buildsStarted(List.of(first))).as(first.err()).isEqualTo(1);
        assertThat(first.out()).contains("source: sysfs capture " + capture);

        Path main = project.resolve("src/main/java/dev/p2pdma/cli/Main.java");
        Files.setLastModifiedTime(main, FileTime.from(Instant.now()));
        List<Running> running = new ArrayList<>();
        for (int i = 0; i < PARALLEL; i++) {
            running.add(start(project, logs, "parallel" + i, "matrix", "--sysfs", capture));
        }
        List<Launch> launches = new ArrayList<>();
        for (Running r : running) {
            launches.add(r.await());
        }

        for (Launch l : launches) {
            assertThat(l.status()).as(l.err()).isZero();
            assertThat(l.out()).isEqualTo(first.out());
        }
        assertThat(buildsStarted(launches)).as("builds started by %d parallel launches", PARALLEL).isEqualTo(1);
        assertThat(project.resolve("target/p2pdma.jar")).isRegularFile();
        assertThat(project.resolve("target-build.log")).doesNotExist();
        assertThat(project.resolve("target/p2pdma-staged")).doesNotExist();

        Launch after = start(project, logs, "after", "matrix", "--sysfs", capture).await();
        assertThat(after.status()).as(after.err()).isZero();
        assertThat(buildsStarted(List.of(after))).as("a launch after the build builds nothing").isZero();
    }
}
