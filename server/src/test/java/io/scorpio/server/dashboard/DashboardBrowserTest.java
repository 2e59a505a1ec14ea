package io.scorpio.server.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorpio.server.ScorpioNode;
import io.scorpio.server.config.ServerConfig;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The dashboard in a real browser: a node on a free port, Debian's headless Chromium driven by chromedriver
 * (Selenium). The page must load without console errors, draw its charts with data once requests have run, and
 * show the same numbers as {@code /metrics}. Fails (never skips) when Chromium or chromedriver is missing:
 * {@code .ci/run} installs them ({@code apt-get install chromium chromium-driver}).
 *
 * <p>Paths: {@code -Dscorpio.test.chromium} (default {@code /usr/bin/chromium}) and
 * {@code -Dscorpio.test.chromedriver} (default {@code /usr/bin/chromedriver}). A screenshot of the page is written
 * to {@code target/dashboard.png}, and also to the path {@code -Dscorpio.test.dashboard-screenshot} names
 * (that is how {@code docs/dashboard.png} is made).
 */
@Tag("slow") // a headless browser: left out of the fast run (-DexcludedGroups=slow)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

    private static final long TIMEOUT_MS = 60_000;
    /** Selenium looks for a CDP binding of Chromium's version and warns; the tests need none (WebDriver only). */
    private static final java.util.logging.Logger CDP_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium.devtools");

    private ScorpioNode node;
    private ChromeDriver browser;
    private Path profile;
    private String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<String> consoleErrors = new ArrayList<>();
    private int completedSent;
    private int rejectedSent;

    @BeforeAll
    void start() throws Exception {
        File chromium = new File(System.getProperty("scorpio.test.chromium", "/usr/bin/chromium"));
        File chromedriver = new File(System.getProperty("scorpio.test.chromedriver", "/usr/bin/chromedriver"));
        CDP_LOG.setLevel(Level.SEVERE);
        if (!chromium.canExecute() || !chromedriver.canExecute()) {
            fail("the dashboard's browser tests need Debian's Chromium and ChromeDriver at " + chromium + " and "
                    + chromedriver + " (missing). Install them with: apt-get update && apt-get install -y "
                    + "--no-install-recommends chromium chromium-driver (.ci/run does this), or point "
                    + "-Dscorpio.test.chromium / -Dscorpio.test.chromedriver at them.");
        }
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of(
                "http.port", "0",
                "predictor", "none",
                "worker.time-scale", "0.25",
                "hazelcast.cluster-name", "scorpio-dash-test-" + ProcessHandle.current().pid(),
                "hazelcast.port", "5951"), List.of()));
        base = "http://127.0.0.1:" + node.port();

        profile = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "chromium-profile");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-default-apps", "--window-size=1400,1900",
                "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver)
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    @Order(1)
    void pageLoadsWithoutConsoleErrorsAndFetchesNothingElsewhere() {
        browser.get(base + "/dashboard");
        waitFor("the page's first updates", () -> updates() >= 2);
        assertEquals("Scorpio dashboard", browser.getTitle());
        collectConsole();
        assertEquals(List.of(), consoleErrors, "console errors on page load");
        // Chart.js came from the node's own jar, and no resource came from anywhere else.
        assertEquals(Boolean.TRUE, js("return typeof Chart === 'function'"));
        @SuppressWarnings("unchecked")
        List<String> resources = (List<String>) js(
                "return performance.getEntriesByType('resource').map(function (e) { return e.name; })");
        assertTrue(resources.stream().anyMatch(r -> r.endsWith("/dashboard/vendor/chart.umd.min.js")), resources.toString());
        for (String r : resources) {
            assertTrue(r.startsWith(base + "/"), "resource fetched from elsewhere: " + r);
        }
        // Same page without the trailing path: /dashboard/ and the data endpoint itself.
        assertEquals(200, get("/dashboard/").statusCode());
        assertEquals(200, get("/dashboard/vendor/chart.umd.min.js").statusCode());
        JsonObject data = new JsonObject(get("/dashboard/data").body());
        assertEquals(1, data.getJsonArray("engines").size());
        assertTrue(data.getJsonArray("nodes").size() >= 1);
    }

    @Test
    @Order(2)
    void chartsRenderWithDataAfterRequests() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (String cls : List.of("1", "2", "3", "4", "5", "6")) {
                sent.add(post(new JsonObject().put("model", "llama-3.1-8b").put("prompt", "Write a haiku about class " + cls)
                        .put("max_tokens", 12).put("slo_class", cls)));
                completedSent++;
            }
        }
        // Two requests whose TTFT target no schedule meets, and one prompt too long for any prefill step.
        for (int i = 0; i < 2; i++) {
            sent.add(post(new JsonObject().put("model", "llama-3.1-8b").put("prompt", "too soon").put("max_tokens", 8)
                    .put("slo", new JsonObject().put("ttft_ms", 1).put("tpot_ms", 50))));
            rejectedSent++;
        }
        sent.add(post(new JsonObject().put("model", "llama-3.1-8b").put("prompt", "word ".repeat(3000)).put("max_tokens", 8)));
        rejectedSent++;
        int ok = 0;
        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> f : sent) {
            int status = f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS).statusCode();
            if (status == 200) {
                ok++;
            } else {
                refused++;
            }
        }
        assertEquals(completedSent, ok, "completed requests");
        assertEquals(rejectedSent, refused, "rejected requests");

        long total = completedSent + rejectedSent;
        waitFor("the page to count " + total + " requests", () -> text("kpi-requests").equals(Long.toString(total)));
        // Every chart has data.
        assertEquals((long) completedSent, chartSum("chart-ttft"), "TTFT histogram holds every completed request");
        assertEquals((long) completedSent, chartSum("chart-tpot"), "TPOT histogram holds every completed request");
        assertEquals((long) rejectedSent, chartSum("chart-rejections"), "rejections chart");
        assertTrue(chartPoints("chart-goodput") > 0, "goodput series");
        assertTrue(chartPoints("chart-waiting") > 0 && chartPoints("chart-vbs") > 0 && chartPoints("chart-kv") > 0,
                "per-worker series");
        assertTrue(chartBars("chart-adherence") >= 6, "adherence bars for the six classes");
        // The guard's steps appear on the worker row, and the canvases are not blank.
        waitFor("engine steps on the page", () -> Long.parseLong(field("tr[data-engine='0']", "steps_decode")) > 0);
        for (String id : List.of("chart-goodput", "chart-adherence", "chart-ttft", "chart-tpot", "chart-rejections",
                "chart-waiting", "chart-vbs", "chart-kv")) {
            assertTrue(painted(id), id + " has painted pixels");
        }
        collectConsole();
        assertEquals(List.of(), consoleErrors, "console errors while updating");
    }

    @Test
    @Order(3)
    void numbersOnThePageMatchMetrics() throws Exception {
        // Everything is idle now: once the page has updated after a scrape, both show the same counters.
        PrometheusText[] metrics = new PrometheusText[1];
        waitFor("a page update after a /metrics scrape with equal numbers", () -> {
            long scrapedAt = System.currentTimeMillis();
            metrics[0] = new PrometheusText(get("/metrics").body());
            waitFor("a page update", () -> Long.parseLong(attr("status", "data-time-ms")) > scrapedAt);
            return text("kpi-completed").equals(Long.toString(metrics[0].sum("scorpio_requests_total", "outcome", "completed")));
        });
        PrometheusText m = metrics[0];
        assertEquals(Long.toString(m.sum("scorpio_requests_total")), text("kpi-requests"));
        assertEquals(Long.toString(m.sum("scorpio_requests_total", "outcome", "completed")), text("kpi-completed"));
        assertEquals(Long.toString(m.sum("scorpio_requests_total", "outcome", "rejected")), text("kpi-rejected"));
        assertEquals(Long.toString(m.sum("scorpio_goodput_requests_total")), text("kpi-goodput"));
        assertEquals((long) completedSent, m.sum("scorpio_requests_total", "outcome", "completed"));
        assertEquals((long) rejectedSent, m.sum("scorpio_requests_total", "outcome", "rejected"));

        // Per class.
        List<String> classes = m.labelValues("scorpio_slo_class_requests_total", "slo_class");
        assertTrue(classes.containsAll(List.of("1", "2", "3", "4", "5", "6")), classes.toString());
        for (String cls : classes) {
            String row = "#classes tr[data-class='" + cls + "']";
            assertEquals(Long.toString(m.sum("scorpio_slo_class_requests_total", "slo_class", cls)), field(row, "requests"), "class " + cls);
            assertEquals(Long.toString(m.sum("scorpio_slo_class_requests_total", "slo_class", cls, "outcome", "completed")),
                    field(row, "completed"), "class " + cls);
            assertEquals(Long.toString(m.sum("scorpio_slo_class_requests_total", "slo_class", cls, "outcome", "rejected")),
                    field(row, "rejected"), "class " + cls);
            long good = m.sum("scorpio_slo_class_goodput_requests_total", "slo_class", cls);
            long all = m.sum("scorpio_slo_class_requests_total", "slo_class", cls);
            assertEquals(Long.toString(good), field(row, "goodput"), "class " + cls);
            assertEquals(String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * good / all), field(row, "adherence"), "class " + cls);
        }
        assertEquals(m.sum("scorpio_goodput_requests_total"), m.sum("scorpio_slo_class_goodput_requests_total"));
        assertEquals(m.sum("scorpio_requests_total"), m.sum("scorpio_slo_class_requests_total"));

        // Rejections by reason.
        List<String> reasons = m.labelValues("scorpio_requests_total", "reason", "outcome", "rejected");
        assertTrue(reasons.containsAll(List.of("slo_unattainable_ttft", "prompt_too_long")), reasons.toString());
        assertEquals((long) reasons.size(), ((Number) js("return document.querySelectorAll('#rejections tr[data-reason]').length")).longValue());
        for (String reason : reasons) {
            assertEquals(Long.toString(m.sum("scorpio_requests_total", "outcome", "rejected", "reason", reason)),
                    field("#rejections tr[data-reason='" + reason + "']", "count"), reason);
        }

        // Histograms: the page's bars are the differences of /metrics' cumulative buckets.
        assertEquals(Long.toString(m.sum("scorpio_ttft_seconds_count")),
                attr("ttft-within", "data-count"));
        assertEquals(Long.toString(m.sum("scorpio_tpot_seconds_count")),
                attr("tpot-within", "data-count"));
        assertEquals(m.sum("scorpio_ttft_seconds_bucket", "le", "0.5") - m.sum("scorpio_ttft_seconds_bucket", "le", "0.25"),
                chartValue("chart-ttft", "\u22640.5"));

        // Per worker.
        String engine = "tr[data-engine='0']";
        assertEquals(Long.toString(m.sum("scorpio_engine_steps_total", "engine", "0", "kind", "decode")), field(engine, "steps_decode"));
        assertEquals(Long.toString(m.sum("scorpio_engine_steps_total", "engine", "0", "kind", "prefill")), field(engine, "steps_prefill"));
        assertEquals(Long.toString(Math.round(m.value("scorpio_waiting_requests", "engine", "0"))), field(engine, "waiting"));
        assertEquals(Long.toString(Math.round(m.value("scorpio_kv_blocks_used", "engine", "0"))), field(engine, "kv_blocks_used"));
        assertEquals("healthy", field(engine, "health"));
        assertEquals("up", field("#nodes tr[data-node]", "health"));

        byte[] png = browser.getScreenshotAs(OutputType.BYTES);
        Path shot = Path.of("target", "dashboard.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, png);
        String docs = System.getProperty("scorpio.test.dashboard-screenshot");
        if (docs != null && !docs.isBlank()) {
            Files.copy(shot, Path.of(docs), StandardCopyOption.REPLACE_EXISTING);
        }
        collectConsole();
        assertEquals(List.of(), consoleErrors, "console errors");
    }

    // ---- helpers

    private CompletableFuture<HttpResponse<String>> post(JsonObject body) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/completions")).timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + path + ": " + e, e);
        }
    }

    private Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private long updates() {
        return Long.parseLong(attr("status", "data-updates"));
    }

    private String attr(String id, String name) {
        return String.valueOf(js("return document.getElementById('" + id + "').getAttribute('" + name + "')"));
    }

    /** Read in one script, so that the page's once-a-second rebuild of its tables cannot stale the element. */
    private String text(String id) {
        Object t = js("var e = document.getElementById('" + id + "'); return e ? e.textContent : null");
        if (t == null) {
            throw new AssertionError("no element #" + id);
        }
        return t.toString().trim();
    }

    private String field(String rowSelector, String field) {
        Object t = js("var r = document.querySelector(\"" + rowSelector + "\"); var c = r && r.querySelector("
                + "\"td[data-field='" + field + "']\"); return c ? c.textContent : null");
        if (t == null) {
            throw new AssertionError("no cell " + field + " in " + rowSelector);
        }
        return t.toString().trim();
    }

    private long chartSum(String id) {
        return ((Number) js("return Chart.getChart('" + id + "').data.datasets[0].data.reduce(function (a, b) { return a + b; }, 0)"))
                .longValue();
    }

    private long chartValue(String id, String label) {
        return ((Number) js("var c = Chart.getChart('" + id + "'); return c.data.datasets[0].data[c.data.labels.indexOf('"
                + label + "')]")).longValue();
    }

    private long chartBars(String id) {
        return ((Number) js("return Chart.getChart('" + id + "').data.labels.length")).longValue();
    }

    private long chartPoints(String id) {
        return ((Number) js("return Chart.getChart('" + id + "').data.datasets.reduce(function (a, d) { return a + d.data.length; }, 0)"))
                .longValue();
    }

    private boolean painted(String id) {
        return Boolean.TRUE.equals(js("var c = document.getElementById('" + id + "'); var d = c.getContext('2d')"
                + ".getImageData(0, 0, c.width, c.height).data; for (var i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; }"
                + " return false;"));
    }

    private void collectConsole() {
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
                consoleErrors.add(e.getLevel() + " " + e.getMessage());
            }
        }
    }

    private static void waitFor(String what, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out waiting for " + what);
    }
}
