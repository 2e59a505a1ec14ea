package io.scorpio.server.security;

import io.scorpio.model.Slo;
import io.scorpio.server.config.AccessSettings;
import io.scorpio.server.api.ApiError;
import io.scorpio.server.api.RequestedSlo;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * API keys, SLO-class permissions, per-key rate limits and the WebSocket {@code Origin} check.
 *
 * <p>Two steps, because the class is known only once the body is parsed: {@link #mount} puts a handler in front
 * of every {@code /v1/} route that checks the Origin of WebSocket handshakes and the bearer token (401), and
 * {@link #admit} runs per generation request (each HTTP completion and each WebSocket {@code request} message)
 * to check the class (403) and then take a token from the key's bucket (429), so that refused requests do not
 * use up the rate. Operational routes ({@code /health}, {@code /ready}, {@code /metrics}, {@code /scorpio/state})
 * stay open: bind them elsewhere with {@code metrics.port}. The keys file is read again while the node runs
 * ({@link #reloadKeys}), so that keys can be added, changed and revoked without a restart.
 */
public final class AccessControl {

    /** Where the granted key sits in the routing context. */
    public static final String KEY = "scorpio.api-key";
    private static final String BEARER = "bearer ";

    private static final System.Logger LOG = System.getLogger(AccessControl.class.getName());

    /** The keys in force, swapped whole on a reload; null = keys off (fixed at start). */
    private volatile Map<String, ApiKey> keys;
    private final Path keysFile; // null = keys off
    private String keysText; // the file's text when last read, applied or not; guarded by reloadKeys' lock
    private String reloadProblem; // why the last reload failed, while it lasts; guarded likewise
    private final Set<String> allowedOrigins; // empty = any
    private final Map<String, Slo> classes;
    private final RateLimits limiter;
    private final ServerMetrics metrics;

    private AccessControl(Map<String, ApiKey> keys, Path keysFile, String keysText, List<String> allowedOrigins,
                          Map<String, Slo> classes, RateLimits limiter, ServerMetrics metrics) {
        this.keys = keys == null ? null : Map.copyOf(keys);
        this.keysFile = keysFile;
        this.keysText = keysText;
        this.allowedOrigins = Set.copyOf(allowedOrigins);
        this.classes = classes;
        this.limiter = limiter;
        this.metrics = metrics;
    }

    /**
     * From the configuration: reads the keys file now, so that a bad file fails the start, not a request.
     *
     * @param limits where the keys' token buckets live (this node's, or the cluster's)
     */
    public static AccessControl from(AccessSettings settings, Map<String, Slo> classes, RateLimits limits,
                                     ServerMetrics metrics) {
        Path file = settings.keysFile().orElse(null);
        String text = file == null ? null : KeyFile.readText(file);
        Map<String, ApiKey> keys = file == null ? null : checked(KeyFile.parse(text, file), classes);
        return new AccessControl(keys, file, text, settings.allowedOrigins(), classes, limits, metrics);
    }

    /** The keys, once every class they name is one that {@code slo.classes} defines. */
    private static Map<String, ApiKey> checked(Map<String, ApiKey> keys, Map<String, Slo> classes) {
        for (ApiKey k : keys.values()) {
            for (String c : k.classes()) {
                if (!c.equals(ApiKey.ANY_CLASS) && !classes.containsKey(c)) {
                    throw new IllegalArgumentException("key '" + k.id() + "' names SLO class '" + c
                            + "', which slo.classes does not define " + classes.keySet());
                }
            }
        }
        return keys;
    }

    /**
     * Reads the keys file again and, if its text changed, puts its keys in force: new requests (and new requests on
     * open WebSockets) are checked against them; requests already admitted run on. A file that cannot be read or
     * does not hold valid keys changes nothing (it is logged, and counted in {@code scorpio_auth_key_reloads_total}
     * with {@code outcome="failed"}). Blocking file I/O: call it off the event loop.
     *
     * @return whether the keys in force changed
     */
    public synchronized boolean reloadKeys() {
        if (keysFile == null) {
            return false;
        }
        String text;
        try {
            text = KeyFile.readText(keysFile);
        } catch (IllegalArgumentException e) {
            return reloadFailed(e.getMessage());
        }
        reloadProblem = null;
        if (text.equals(keysText)) {
            return false;
        }
        keysText = text; // a bad text is reported once, not at every check until it is mended
        Map<String, ApiKey> next;
        try {
            next = checked(KeyFile.parse(text, keysFile), classes);
        } catch (RuntimeException e) { // whatever the file holds, the keys in force stay
            return reloadFailed(e.getMessage() != null ? e.getMessage() : e.toString());
        }
        keys = Map.copyOf(next);
        metrics.keysReloaded("applied");
        LOG.log(Level.INFO, () -> "API keys reloaded from " + keysFile + ": " + next.size() + " keys");
        return true;
    }

    /** Counts and logs a failed reload, once for as long as the same problem lasts (a missing file, say). */
    private boolean reloadFailed(String problem) {
        if (!problem.equals(reloadProblem)) {
            reloadProblem = problem;
            metrics.keysReloaded("failed");
            LOG.log(Level.WARNING, () -> "API keys not reloaded, the keys in force stay: " + problem);
        }
        return false;
    }

    public boolean keysOn() {
        return keys != null;
    }

    /** Mounts the Origin and bearer-token checks in front of every {@code /v1/} route. */
    public void mount(Router router) {
        if (keys == null && allowedOrigins.isEmpty()) {
            return; // all off (the embedded default): not even a pass-through handler in the request path
        }
        router.route("/v1/*").handler(this::handle);
    }

    /** The bearer-token check alone, for routes outside {@code /v1/} that need a key (the dashboard). */
    public void requireKey(RoutingContext ctx) {
        handle(ctx);
    }

    private void handle(RoutingContext ctx) {
        AuthDecision d = check(ctx.request());
        if (d instanceof AuthDecision.Refused r) {
            refuse(ctx, r);
            return;
        }
        ctx.put(KEY, ((AuthDecision.Granted) d).key());
        ctx.next();
    }

    /** The handshake-time checks: Origin (WebSocket only) then the bearer token. */
    AuthDecision check(HttpServerRequest request) {
        String origin = request.getHeader("origin");
        // Browsers always send Origin on a WebSocket handshake; other clients need not, and cannot be cross-site.
        if (origin != null && !allowedOrigins.isEmpty() && request.path().equals("/v1/ws") && !allowedOrigins.contains(origin)) {
            return refused(403, "permission_error", "origin_not_allowed", "WebSocket origin '" + origin + "' is not allowed");
        }
        if (keys == null) {
            return new AuthDecision.Granted(null);
        }
        String header = request.getHeader("authorization");
        if (header == null || header.length() <= BEARER.length()
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return refused(401, ApiError.INVALID_REQUEST, "missing_api_key", "You didn't provide an API key. "
                    + "Send it as 'Authorization: Bearer sk-scorpio-...'.");
        }
        KeyFile.Presented presented = KeyFile.parse(header.substring(BEARER.length()).trim());
        ApiKey key = presented == null ? null : keys.get(presented.id());
        if (key == null || !KeyFile.matches(key, presented.secret())) {
            return refused(401, ApiError.INVALID_REQUEST, "invalid_api_key", "Incorrect API key provided.");
        }
        return new AuthDecision.Granted(key);
    }

    /**
     * Per generation request: the class check, then the rate. Keys restricted to classes may only name one of
     * them with {@code slo_class}; explicit figures ({@code slo} or {@code x-slo-*}) are refused, since they could
     * ask for anything; a request naming no SLO is held to the key's first class (in the order of
     * {@code slo.classes}) instead of the node's default. Completes with the SLO to hold the request to, or fails with the
     * refusal, an {@link ApiError} (for HTTP, a 429 also sets {@code retry-after} on {@code response}). Asynchronous
     * because in a cluster the key's token bucket is shared ({@link ClusterRateLimiter}).
     */
    public Future<RequestedSlo> admit(RoutingContext ctx, RequestedSlo asked, boolean webSocket) {
        ApiKey granted = ctx.get(KEY);
        if (granted == null) {
            return Future.succeededFuture(asked);
        }
        // The key as it is now: a WebSocket outlives reloads of the keys file, and each request on it is checked
        // against the keys in force when it arrives.
        ApiKey key = keys.get(granted.id());
        if (key == null || !key.hash().equals(granted.hash())) {
            return Future.failedFuture(thrown(refused(401, ApiError.INVALID_REQUEST, "invalid_api_key", "API key '"
                    + granted.id() + "' was revoked."), ctx, webSocket));
        }
        RequestedSlo allowed = asked;
        if (!key.anyClass()) {
            String cls = asked.sloClass();
            if (cls.equals(RequestedSlo.DEFAULT)) {
                String first = classes.keySet().stream().filter(key.classes()::contains).findFirst().orElseThrow();
                allowed = new RequestedSlo(first, classes.get(first));
            } else if (!key.classes().contains(cls)) {
                String what = cls.equals(RequestedSlo.CUSTOM) ? "explicit SLO figures" : "SLO class '" + cls + "'";
                return Future.failedFuture(thrown(refused(403, "permission_error", "slo_class_not_allowed", "API key '"
                        + key.id() + "' may not use " + what + "; it may use slo_class " + key.classes()), ctx, webSocket));
            }
        }
        RequestedSlo admitted = allowed;
        return limiter.take(key).compose(waitNanos -> {
            if (waitNanos <= 0) {
                return Future.succeededFuture(admitted);
            }
            metrics.authFailure(429, "rate_limit_exceeded");
            long seconds = Math.max(1, (long) Math.ceil(waitNanos / (double) TimeUnit.SECONDS.toNanos(1)));
            ApiError e = new ApiError(429, "requests", null, "rate_limit_exceeded", "Rate limit reached for API key '"
                    + key.id() + "' (" + key.ratePerSecond() + " requests/s, burst " + key.burst() + "). Retry after "
                    + seconds + " s.");
            return Future.failedFuture(thrown(new AuthDecision.Refused(e, seconds), ctx, webSocket));
        });
    }

    private ApiError thrown(AuthDecision.Refused r, RoutingContext ctx, boolean webSocket) {
        if (r.retryAfterSeconds() > 0 && !webSocket) {
            ctx.response().putHeader("retry-after", Long.toString(r.retryAfterSeconds()));
        }
        return r.error();
    }

    private AuthDecision.Refused refused(int status, String type, String code, String message) {
        metrics.authFailure(status, code);
        return new AuthDecision.Refused(new ApiError(status, type, null, code, message), 0);
    }

    private void refuse(RoutingContext ctx, AuthDecision.Refused r) {
        metrics.badRequest(r.error().status(), r.error().code());
        if (r.error().status() == 401) {
            ctx.response().putHeader("www-authenticate", "Bearer");
        }
        ctx.response().setStatusCode(r.error().status()).putHeader("content-type", "application/json")
                .end(r.error().body().encode());
    }
}
