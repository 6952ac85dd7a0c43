package dev.p2pdma.report.browser;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A tiny W3C WebDriver client over {@link HttpClient} and Jackson: one session against a running
 * chromedriver; navigate, find elements, run scripts, click, type, screenshot. Errors from the
 * driver become {@link IllegalStateException}s carrying the driver's message. Not thread-safe (one
 * test thread drives one browser).
 */
public final class WebDriver implements AutoCloseable {

    /** The W3C key of an element reference in JSON. */
    private static final String ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";
    /** The Enter key as WebDriver key input. */
    public static final String ENTER = "\uE007";
    /** The Space key as WebDriver key input. */
    public static final String SPACE = "\uE00D";
    /** Arrow down as WebDriver key input. */
    public static final String ARROW_DOWN = "\uE015";

    /** JSON reading and writing. */
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The HTTP client. */
    private final HttpClient http;
    /** The driver's base URL, {@code http://127.0.0.1:PORT}. */
    private final String base;
    /** This session's id. */
    private final String session;

    /**
     * An element of the page.
     *
     * @param id the driver's element reference
     */
    public record Element(String id) {
    }

    private WebDriver(HttpClient http, String base, String session) {
        this.http = http;
        this.base = base;
        this.session = session;
    }

    /** Opens a session with Chromium at {@code binary}, started with {@code args}. */
    public static WebDriver open(int port, String binary, List<String> args) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String base = "http://127.0.0.1:" + port;
        Map<String, Object> caps = Map.of("capabilities", Map.of("alwaysMatch", Map.of(
                "browserName", "chrome",
                "goog:chromeOptions", Map.of("binary", binary, "args", args))));
        JsonNode v = call(http, "POST", base + "/session", caps);
        return new WebDriver(http, base, v.get("sessionId").asString());
    }

    /** Goes to a URL and waits for the page to load. */
    public void navigate(String url) {
        post("/url", Map.of("url", url));
    }

    /** Sets the window size in CSS pixels. */
    public void windowSize(int width, int height) {
        post("/window/rect", Map.of("width", width, "height", height));
    }

    /** The first element matching a CSS selector. */
    public Element find(String css) {
        return element(post("/element", Map.of("using", "css selector", "value", css)));
    }

    /** Every element matching a CSS selector. */
    public List<Element> findAll(String css) {
        JsonNode v = post("/elements", Map.of("using", "css selector", "value", css));
        List<Element> out = new ArrayList<>();
        for (JsonNode e : v) {
            out.add(element(e));
        }
        return out;
    }

    /** Runs a script (its {@code arguments} are {@code args}; elements may be passed) and returns its JSON result. */
    public JsonNode execute(String script, Object... args) {
        List<Object> a = new ArrayList<>();
        for (Object o : args) {
            a.add(o instanceof Element e ? Map.of(ELEMENT_KEY, e.id()) : o);
        }
        return post("/execute/sync", Map.of("script", script, "args", a));
    }

    /** Clicks an element. */
    public void click(Element e) {
        post("/element/" + e.id() + "/click", Map.of());
    }

    /** Types keys into an element (focusing it first). */
    public void sendKeys(Element e, String keys) {
        post("/element/" + e.id() + "/value", Map.of("text", keys));
    }

    /** An element's attribute, or null when it has none. */
    public String attribute(Element e, String name) {
        JsonNode v = get("/element/" + e.id() + "/attribute/" + name);
        return v.isNull() ? null : v.asString();
    }

    /** An element's rendered text. */
    public String text(Element e) {
        return get("/element/" + e.id() + "/text").asString();
    }

    /** A PNG screenshot of the viewport. */
    public byte[] screenshot() {
        return Base64.getDecoder().decode(get("/screenshot").asString());
    }

    /** Ends the session (closes the browser). */
    @Override
    public void close() {
        call(http, "DELETE", base + "/session/" + session, null);
    }

    private static Element element(JsonNode v) {
        return new Element(v.get(ELEMENT_KEY).asString());
    }

    private JsonNode post(String path, Object body) {
        return call(http, "POST", base + "/session/" + session + path, body);
    }

    private JsonNode get(String path) {
        return call(http, "GET", base + "/session/" + session + path, null);
    }

    private static JsonNode call(HttpClient http, String method, String url, Object body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json; charset=utf-8");
        b = switch (method) {
            case "POST" -> b.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            case "DELETE" -> b.DELETE();
            default -> b.GET();
        };
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + method + " " + url, e);
        }
        JsonNode v = JSON.readTree(r.body()).get("value");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("WebDriver " + method + " " + url + " failed (" + r.statusCode() + "): "
                    + (v != null && v.has("message") ? v.get("message").asString() : r.body()));
        }
        return v;
    }
}
