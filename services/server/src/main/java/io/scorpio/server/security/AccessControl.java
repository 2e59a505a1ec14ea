package io.scorpio.server.security;

import io.scorpio.model.Slo;
import io.scorpio.server.config.AccessSettings;
import io.scorpio.server.ingress.ApiError;
import io.scorpio.server.ingress.CompletionRequest;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
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
 * stay open: bind them elsewhere with {@code metrics.port}.
 */
public final class AccessControl {

    /** Where the granted key sits in the routing context. */
    public static final String KEY = "scorpio.api-key";
    private static final String BEARER = "bearer ";

    private final Map<String, ApiKey> keys; // null = keys off
    private final Set<String> allowedOrigins; // empty = any
    private final Map<String, Slo> classes;
    private final RateLimiter limiter;
    private final ServerMetrics metrics;

    public AccessControl(Map<String, ApiKey> keys, List<String> allowedOrigins, Map<String, Slo> classes,
                         RateLimiter limiter, ServerMetrics metrics) {
        this.keys = keys == null ? null : Map.copyOf(keys);
        this.allowedOrigins = Set.copyOf(allowedOrigins);
        this.classes = classes;
        this.limiter = limiter;
        this.metrics = metrics;
    }

    /** From the configuration: reads the keys file now, so that a bad file fails the start, not a request. */
    public static AccessControl from(AccessSettings settings, Map<String, Slo> classes, ServerMetrics metrics) {
        Map<String, ApiKey> keys = settings.keysFile().map(KeyFile::read).orElse(null);
        if (keys != null) {
            for (ApiKey k : keys.values()) {
                for (String c : k.classes()) {
                    if (!c.equals(ApiKey.ANY_CLASS) && !classes.containsKey(c)) {
                        throw new IllegalArgumentException("key '" + k.id() + "' names SLO class '" + c
                                + "', which slo.classes does not define " + classes.keySet());
                    }
                }
            }
        }
        return new AccessControl(keys, settings.allowedOrigins(), classes, new RateLimiter(), metrics);
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
     * {@code slo.classes}) instead of the node's default. Returns the request to run, or throws the refusal
     * (for HTTP, a 429 also sets {@code retry-after} on {@code response}).
     */
    public CompletionRequest admit(RoutingContext ctx, CompletionRequest request, boolean webSocket) {
        ApiKey key = ctx.get(KEY);
        if (key == null) {
            return request;
        }
        CompletionRequest allowed = request;
        if (!key.anyClass()) {
            String cls = request.sloClass();
            if (cls.equals(CompletionRequest.DEFAULT_SLO)) {
                String first = classes.keySet().stream().filter(key.classes()::contains).findFirst().orElseThrow();
                allowed = request.withSlo(first, classes.get(first));
            } else if (!key.classes().contains(cls)) {
                String what = cls.equals(CompletionRequest.CUSTOM_SLO) ? "explicit SLO figures" : "SLO class '" + cls + "'";
                throw thrown(refused(403, "permission_error", "slo_class_not_allowed", "API key '" + key.id()
                        + "' may not use " + what + "; it may use slo_class " + key.classes()), ctx, webSocket);
            }
        }
        long waitNanos = limiter.acquire(key);
        if (waitNanos > 0) {
            metrics.authFailure(429, "rate_limit_exceeded");
            long seconds = Math.max(1, (long) Math.ceil(waitNanos / (double) TimeUnit.SECONDS.toNanos(1)));
            ApiError e = new ApiError(429, "requests", null, "rate_limit_exceeded", "Rate limit reached for API key '"
                    + key.id() + "' (" + key.ratePerSecond() + " requests/s, burst " + key.burst() + "). Retry after "
                    + seconds + " s.");
            throw thrown(new AuthDecision.Refused(e, seconds), ctx, webSocket);
        }
        return allowed;
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
