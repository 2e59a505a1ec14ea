package io.scorpio.server.dashboard;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.scorpio.core.cluster.EngineSnapshot;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.cluster.ClusterView;
import io.scorpio.server.cluster.EngineSnapshots;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The live dashboard: {@code GET /dashboard} (the page, with its scripts and the bundled Chart.js under
 * {@code /dashboard/...}, served from the jar's {@code webroot/dashboard}) and {@code GET /dashboard/data} (the
 * JSON snapshot the page polls every second, see {@link DashboardSnapshot}).
 */
public final class DashboardRoutes {

    private static final long HEALTH_TIMEOUT_MS = 1000;

    private final Vertx vertx;
    private final NodeSettings settings;
    private final ServerMetrics metrics;
    private final EngineSnapshots snapshots;
    /** The members this node's ingress passes over now for not answering ({@code ClusterRouter}). */
    private final Supplier<Set<String>> silent;

    private DashboardRoutes(Vertx vertx, NodeSettings settings, ServerMetrics metrics, EngineSnapshots snapshots,
                            Supplier<Set<String>> silent) {
        this.snapshots = snapshots;
        this.silent = silent;
        this.vertx = vertx;
        this.settings = settings;
        this.metrics = metrics;
    }

    /**
     * Mounts the dashboard's routes on the ingress router; {@code silent} gives the members the ingress passes over
     * now for not answering (read on the ingress's event loop, where the routes run).
     */
    public static void mount(Router router, Vertx vertx, NodeSettings settings, ServerMetrics metrics,
                             EngineSnapshots snapshots, Supplier<Set<String>> silent) {
        metrics.sloClasses().configure(settings.requests().sloClasses(), settings.requests().defaultSlo());
        DashboardRoutes routes = new DashboardRoutes(vertx, settings, metrics, snapshots, silent);
        router.get("/dashboard").handler(ctx -> ctx.reroute("/dashboard/index.html"));
        router.get("/dashboard/").handler(ctx -> ctx.reroute("/dashboard/index.html"));
        router.get("/dashboard/data").handler(ctx -> routes.snapshot().onComplete(s -> {
            if (ctx.response().ended() || ctx.response().closed()) {
                return;
            }
            if (s.failed()) {
                ctx.fail(s.cause());
                return;
            }
            ctx.response().putHeader("content-type", "application/json").putHeader("cache-control", "no-store")
                    .end(s.result().encode());
        }));
        router.get("/dashboard/*").handler(StaticHandler.create("webroot/dashboard").setCachingEnabled(false)
                .setDirectoryListing(false).setIndexPage("index.html"));
    }

    Future<JsonObject> snapshot() {
        List<Future<Boolean>> checks = new ArrayList<>();
        for (int e = 0; e < settings.guard().engines(); e++) {
            checks.add(vertx.eventBus().<Boolean>request(Addresses.engineHealth(e), "?",
                    Addresses.local(HEALTH_TIMEOUT_MS)).map(m -> Boolean.TRUE.equals(m.body()))
                    .otherwise(false));
        }
        return Future.join(checks).transform(done -> {
            List<DashboardSnapshot.EngineHealth> health = new ArrayList<>();
            for (int e = 0; e < checks.size(); e++) {
                Future<Boolean> c = checks.get(e);
                health.add(new DashboardSnapshot.EngineHealth(e, c.succeeded() ? c.result() : null));
            }
            JsonObject node = new JsonObject().put("id", settings.nodeId()).put("model", settings.requests().modelName())
                    .put("policy", settings.guard().policy().name()).put("credits", settings.guard().policy().credits())
                    .put("worker", settings.worker().kind()).put("engines", settings.guard().engines());
            return Future.succeededFuture(DashboardSnapshot.build(metrics, node, health, nodes())
                    .put("cluster_engines", clusterEngines()));
        });
    }

    /** Every engine of the cluster as this node holds it in the snapshot map ({@link EngineSnapshots}). */
    private JsonArray clusterEngines() {
        List<EngineSnapshots.Entry> entries = new ArrayList<>(snapshots.all());
        entries.sort(Comparator.comparing(EngineSnapshots.Entry::node).thenComparingInt(EngineSnapshots.Entry::engine));
        JsonArray out = new JsonArray();
        for (EngineSnapshots.Entry e : entries) {
            EngineSnapshot s = e.snapshot();
            out.add(new JsonObject().put("node", e.node()).put("engine", e.engine()).put("waiting", s.waiting())
                    .put("admitted", s.admitted()).put("vbs", s.vbs()).put("tail_ttft_ms", s.tailMinimalTtftMs())
                    .put("kv_usage", (double) s.kvUsed() / Math.max(1, s.kvTotal())).put("healthy", s.healthy())
                    .put("draining", s.draining()));
        }
        return out;
    }

    /**
     * The Hazelcast cluster's members (this node alone when Hazelcast is off), by node id; a node is healthy when it
     * answers (it is not silent) and the snapshot map holds an engine of it in service, renewed in time (or nothing of
     * it yet: it has just joined). A frozen node is down here long before Hazelcast removes it.
     */
    private List<DashboardSnapshot.Node> nodes() {
        List<DashboardSnapshot.Node> out = new ArrayList<>();
        HazelcastInstance hz = settings.hazelcast().clustered()
                ? Hazelcast.getHazelcastInstanceByName("scorpio-" + settings.nodeId()) : null;
        if (hz == null || !hz.getLifecycleService().isRunning()) {
            out.add(new DashboardSnapshot.Node(settings.nodeId(), settings.http().host() + ":" + settings.http().port(), true, true));
            return out;
        }
        Member local = hz.getCluster().getLocalMember();
        Set<String> silentNow = silent.get();
        for (Member m : hz.getCluster().getMembers()) {
            boolean self = m.getUuid().equals(local.getUuid());
            String attribute = m.getAttribute(ClusterView.NODE_ATTRIBUTE);
            String id = self ? settings.nodeId() : attribute != null ? attribute : m.getUuid().toString();
            boolean healthy = !silentNow.contains(id) && (snapshots.of(id).isEmpty()
                    || snapshots.trusted(id).stream().anyMatch(EngineSnapshot::inService));
            out.add(new DashboardSnapshot.Node(id, m.getAddress().getHost() + ":" + m.getAddress().getPort(), self,
                    healthy));
        }
        return out;
    }
}
