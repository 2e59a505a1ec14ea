package io.scorpio.server;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.LocalMessage;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.config.HazelcastSettings;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.cluster.ClusterView;
import io.scorpio.server.cluster.EngineSnapshots;
import io.scorpio.server.config.ServerConfig;
import io.scorpio.server.engine.Backoff;
import io.scorpio.server.engine.EngineVerticle;
import io.scorpio.server.engine.EngineWorker;
import io.scorpio.server.engine.WorkerContext;
import io.scorpio.server.engine.WorkerFactories;
import io.scorpio.server.engine.WorkerFactory;
import io.scorpio.server.guard.GuardVerticle;
import io.scorpio.server.ingress.IngressVerticle;
import io.scorpio.server.metrics.ServerMetrics;
import io.scorpio.server.predictor.OutputLengthPredictor;
import io.scorpio.server.predictor.PredictorVerticle;
import io.scorpio.server.predictor.Predictors;
import io.scorpio.server.registry.HazelcastRequestRegistry;
import io.scorpio.server.registry.LocalRequestRegistry;
import io.scorpio.server.registry.RequestRegistry;
import io.scorpio.server.security.ClusterRateLimiter;
import io.scorpio.server.security.RateLimiter;
import io.scorpio.server.security.RateLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.concurrent.TimeUnit;

/**
 * A running Scorpio node: a Vert.x instance, clustered through an embedded Hazelcast member (unless
 * {@code hazelcast.mode=none}), and the four verticles (predictor, guard, one engine per worker, ingress),
 * deployed in that order so that the ingress opens its port only when everything behind it is listening.
 */
public final class ScorpioNode implements AutoCloseable {


    private final NodeSettings settings;
    private final Vertx vertx;
    private final HazelcastInstance hazelcast;
    private final RequestRegistry registry;
    private final ServerMetrics metrics;
    private final ClusterView cluster;
    private final int port;
    private final int metricsPort;
    private final IngressVerticle ingress;

    private final EngineSnapshots snapshots;

    private ScorpioNode(NodeSettings settings, Vertx vertx, HazelcastInstance hazelcast, RequestRegistry registry,
                        ServerMetrics metrics, ClusterView cluster, IngressVerticle ingress, EngineSnapshots snapshots) {
        this.snapshots = snapshots;
        this.ingress = ingress;
        int port = ingress.port();
        int metricsPort = ingress.metricsPort();
        this.cluster = cluster;
        this.metricsPort = metricsPort;
        this.settings = settings;
        this.vertx = vertx;
        this.hazelcast = hazelcast;
        this.registry = registry;
        this.metrics = metrics;
        this.port = port;
    }

    /** Starts a node and blocks until its HTTP port is open (or fails with the reason). */
    public static ScorpioNode start(ServerConfig config) throws Exception {
        NodeSettings settings = NodeSettings.from(config);
        WorkerFactory workers = WorkerFactories.named(settings.worker().kind());
        OutputLengthPredictor predictor = Predictors.named(settings.predictor());
        Vertx vertx;
        HazelcastInstance hz = null;
        if (settings.hazelcast().clustered()) {
            HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(settings.nodeId(), settings.hazelcast()));
            // The node-to-node bus binds the same single interface as Hazelcast.
            VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions()
                    .setHost(settings.hazelcast().iface()).setPort(settings.hazelcast().busPort()));
            vertx = await(Vertx.builder().with(options).withClusterManager(manager).buildClustered());
            hz = manager.getHazelcastInstance();
        } else {
            vertx = Vertx.vertx();
        }
        ClusterView cluster = hz == null ? ClusterView.single(settings.nodeId()) : ClusterView.of(vertx, hz, settings.nodeId());
        EngineSnapshots snapshots = hz == null ? EngineSnapshots.single(settings.nodeId())
                : EngineSnapshots.cluster(hz, settings.nodeId(), settings.cluster().snapshotIntervalMs());
        try {
            LocalMessage.register(vertx.eventBus());
            RequestRegistry registry = hz == null ? new LocalRequestRegistry()
                    : new HazelcastRequestRegistry(vertx, hz, settings.nodeId());
            ServerMetrics metrics = new ServerMetrics();
            predictor.instrument(metrics);
            NodeClock clock = new NodeClock();
            await(vertx.deployVerticle(new PredictorVerticle(predictor, settings.guard().stepModel(), settings.guard().prefillModel())));
            await(vertx.deployVerticle(new GuardVerticle(settings.nodeId(), settings.guard(), settings.stepTimeoutMs(), clock, metrics,
                    registry, cluster, snapshots, settings.cluster())));
            for (int e = 0; e < settings.guard().engines(); e++) {
                int engine = e;
                EngineWorker worker = workers.create(new WorkerContext(vertx, settings.worker(), settings.guard(), e, metrics,
                        model -> vertx.eventBus().send(Addresses.guardModels(engine), new Messages.ModelUpdate(engine, model), Addresses.LOCAL)));
                await(vertx.deployVerticle(new EngineVerticle(e, worker, metrics,
                        new Backoff(settings.worker().retryInitialMs(), settings.worker().retryMaxMs()))));
            }
            // A key's rate holds for the whole cluster: its token bucket is shared when there is a cluster.
            RateLimits limits = hz == null ? new RateLimiter()
                    : new ClusterRateLimiter(vertx, hz, settings.access().rateLimitTimeoutMs(), metrics);
            IngressVerticle ingress = new IngressVerticle(settings, clock, metrics, registry, cluster, limits, snapshots);
            await(vertx.deployVerticle(ingress));
            return new ScorpioNode(settings, vertx, hz, registry, metrics, cluster, ingress, snapshots);
        } catch (Exception | Error e) {
            snapshots.close();
            cluster.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * The embedded member's configuration: bound to the one configured interface, joined by the configured
     * member list over TCP (or Kubernetes DNS discovery), admitting only members with the same cluster name;
     * multicast, auto-detection and phone-home off. The {@code __vertx.*} structures are those of vertx-hazelcast's
     * default-cluster.xml, which the cluster manager needs.
     */
    static Config hazelcastConfig(String nodeId, HazelcastSettings settings) {
        Config cfg = new Config();
        cfg.setClusterName(settings.clusterName());
        cfg.setInstanceName("scorpio-" + nodeId);
        cfg.getMemberAttributeConfig().setAttribute(ClusterView.NODE_ATTRIBUTE, nodeId);
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.logging.type", "jdk");
        cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
        cfg.setProperty("hazelcast.socket.bind.any", "false");
        cfg.setProperty("hazelcast.wait.seconds.before.join", "1");
        cfg.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        cfg.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(settings.heartbeatTimeoutS()));
        cfg.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(settings.mergeDelayS()));
        cfg.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(settings.mergeDelayS()));
        cfg.getJetConfig().setEnabled(false);
        cfg.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
                .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
        cfg.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
        cfg.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
        cfg.addMapConfig(new MapConfig(ClusterRateLimiter.MAP).setBackupCount(1).setMaxIdleSeconds(3600));
        NetworkConfig net = cfg.getNetworkConfig();
        net.setPort(settings.port()).setPortAutoIncrement(true);
        net.getInterfaces().setEnabled(true).addInterface(settings.iface());
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (settings.join().equals("kubernetes")) {
            join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", settings.kubernetesServiceDns());
        } else {
            join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());
        }
        return cfg;
    }

    private static <T> T await(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /** The port of /metrics and /scorpio/state: {@link #port()} unless {@code metrics.port} separates them. */
    public int metricsPort() {
        return metricsPort;
    }

    public NodeSettings settings() {
        return settings;
    }

    public Vertx vertx() {
        return vertx;
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    /** The cluster as this node sees it. */
    public ClusterView cluster() {
        return cluster;
    }

    /** The Hazelcast member, or null when {@code hazelcast.mode=none}. */
    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    /**
     * The first half of a graceful stop: /ready turns 503, new requests get 503, and requests in flight get
     * {@code graceMs} to finish before they end with a {@code server_shutdown} error. Blocks until then; returns how
     * many requests had to be ended that way. {@link #close} is the second half.
     */
    public int drain(long graceMs) throws Exception {
        // In a cluster the guard first hands its waiting requests back to their entry nodes, which place them on the
        // other nodes, and declines new ones; it then waits, like the ingress, for what runs here to finish.
        Future<Object> guard = vertx.eventBus().request(Addresses.GUARD_DRAIN, graceMs,
                Addresses.local(graceMs + 5_000)).map(m -> m.body());
        int cut = ingress.drain(graceMs).toCompletionStage().toCompletableFuture().get(graceMs + 10_000, TimeUnit.MILLISECONDS);
        guard.toCompletionStage().toCompletableFuture().get(graceMs + 10_000, TimeUnit.MILLISECONDS);
        return cut;
    }

    /** Closing Vert.x also leaves the cluster: the cluster manager owns the Hazelcast member. */
    @Override
    public void close() throws Exception {
        snapshots.close();
        cluster.close();
        registry.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
