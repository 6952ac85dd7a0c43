package dev.p2pdma.report.browser;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Debian's headless Chromium driven through its chromedriver: starts {@code /usr/bin/chromedriver}
 * on a free local port and opens one WebDriver session with the flags the report test needs and a
 * fresh profile folder. Closing ends the session and stops the driver this object started. Not
 * thread-safe.
 */
public final class Chromium implements AutoCloseable {

    /** Debian's chromium binary. */
    public static final Path BROWSER = Path.of("/usr/bin/chromium");
    /** Debian's chromium-driver binary. */
    public static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    /** What to do when either is missing. */
    public static final String INSTALL_HINT = "Chromium or chromedriver is missing (" + BROWSER + ", " + DRIVER
            + "): run bin/install-test-deps.sh (as root) to install Debian's chromium, chromium-driver and pci.ids";

    /** The chromedriver process this object started. */
    private final Process driver;
    /** The session. */
    private final WebDriver web;

    private Chromium(Process driver, WebDriver web) {
        this.driver = driver;
        this.web = web;
    }

    /** True when both binaries are installed. */
    public static boolean installed() {
        return Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
    }

    /** Starts the driver and a browser whose profile lives in {@code profileDir} (which must be fresh). */
    public static Chromium start(Path profileDir, Path logFile) throws IOException, InterruptedException {
        if (!installed()) {
            throw new IllegalStateException(INSTALL_HINT);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(DRIVER.toString(), "--port=" + port)
                .redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        try {
            waitUntilReady(port, p);
            WebDriver web = WebDriver.open(port, BROWSER.toString(), List.of("--headless", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--user-data-dir=" + profileDir, "--window-size=1500,1100", "--hide-scrollbars"));
            return new Chromium(p, web);
        } catch (RuntimeException | IOException | InterruptedException e) {
            p.destroy();
            throw e;
        }
    }

    private static void waitUntilReady(int port, Process p) throws InterruptedException, IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest status = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status")).timeout(Duration.ofSeconds(2)).build();
        for (int i = 0; i < 200; i++) {
            if (!p.isAlive()) {
                throw new IOException("chromedriver exited with status " + p.exitValue() + " before it was ready");
            }
            try {
                HttpResponse<String> r = http.send(status, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"ready\":true")) {
                    return;
                }
            } catch (IOException notYet) {
                // the driver is still starting
            }
            Thread.sleep(50);
        }
        throw new IOException("chromedriver did not become ready on port " + port);
    }

    /** The WebDriver session. */
    public WebDriver web() {
        return web;
    }

    @Override
    public void close() {
        try {
            web.close();
        } finally {
            driver.destroy();
            try {
                if (!driver.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    driver.destroyForcibly();
                }
            } catch (InterruptedException e) {
                driver.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
