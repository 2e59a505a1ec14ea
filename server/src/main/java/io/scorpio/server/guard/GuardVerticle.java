package io.scorpio.server.guard;

import io.micrometer.core.instrument.Tags;
import io.scorpio.core.cluster.EngineSnapshot;
import io.scorpio.core.cluster.Placement;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.scheduler.Iteration;
import io.scorpio.core.scheduler.Rejection;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.RequestState;
import io.scorpio.core.scheduler.Scheduler;
import io.scorpio.core.scheduler.StepOutcome;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.core.scheduler.SubmitResult;
import io.scorpio.server.NodeClock;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.bus.StreamEvent;
import io.scorpio.server.cluster.ClusterView;
import io.scorpio.server.cluster.EngineSnapshots;
import io.scorpio.server.cluster.NodeConsumers;
import io.scorpio.server.cluster.NodeQuote;
import io.scorpio.server.cluster.WireFormat;
import io.scorpio.server.config.ClusterSettings;
import io.scorpio.server.config.GuardSettings;
import io.scorpio.server.engine.EngineWorker;
import io.scorpio.server.metrics.ServerMetrics;
import io.scorpio.server.registry.RequestRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TTFT and TPOT guards: one pure {@link Scheduler} per engine, owned by this verticle's event loop, its
 * single writer. Every scheduling decision (submit, schedule, complete, abort) happens here and never waits on
 * the network; the Hazelcast registry of live requests is written behind it, fire-and-forget.
 *
 * <p>The guard drives each engine's loop ({@link EngineLoop}), as vLLM's {@code EngineCore.step} does and as
 * {@code VirtualTimeCluster} does in virtual time: schedule an iteration, hand its step to the engine verticle to
 * execute (one bus exchange), update the scheduler with the outcome, and send every stream event of the step to the
 * ingresses, one message per ingress ({@link Outbox}). A request lost to a worker that failed before its first
 * token goes back to the queue; placement avoids engines whose worker is out of service.
 *
 * <p>In a cluster the guard shares each engine's {@link EngineSnapshot} (at most every
 * {@code cluster.snapshot-interval-ms}), from which other nodes place requests here without asking; a submission placed
 * from a snapshot that turned out stale is declined at once so its entry node tries the next best node. On a graceful
 * stop it hands its waiting requests back to their entry nodes to be placed elsewhere ({@link #drain}).
 */
public final class GuardVerticle extends VerticleBase {

    private static final System.Logger LOG = System.getLogger(GuardVerticle.class.getName());

    /**
     * What the guard knows of a live request beyond the scheduler's view. {@code origin} is the node whose
     * ingress holds the client; when it leaves the cluster, the request has nobody to stream to and is dropped.
     * {@code migrated}: it already moved once (a request migrates at most once, as in virtual time).
     */
    private record Meta(String prompt, int engine, long arrivalEpochMs, String origin, boolean migrated) {
    }

    /** Per-engine figures the metrics read; published after every change, so gauges never touch the scheduler. */
    private record Snapshot(int waiting, int admitted, int live, double vbs, int kvUsed, int kvTotal) {
        static final Snapshot EMPTY = new Snapshot(0, 0, 0, 0, 0, 1);
    }

    private final String nodeId;
    private final GuardSettings settings;
    private final NodeClock clock;
    private final ServerMetrics metrics;
    private final RequestRegistry registry;
    private final ClusterView cluster;
    private final Scheduler[] schedulers;
    private final Map<String, Meta> meta = new HashMap<>();
    private final Snapshot[] snapshots;
    private final List<Scheduler> engines;
    private final Placement placement;
    /** Per engine: whether its worker is in service (EngineVerticle says when it fails and when it is back). */
    private final boolean[] healthy;
    /** Per engine: the rejection sweep that runs while its worker is out of service, or -1. */
    private final long[] sweeps;
    private final EngineLoop[] loops;
    /**
     * How long a step may take before the guard gives its requests up as lost: a worker bounds its own steps (a
     * vLLM stream silent for {@code vllm.token-timeout-ms} fails), so this only catches an engine that never answers.
     */
    private final DeliveryOptions stepOptions;
    private EventBus bus;
    private Outbox outbox;

    // ---- what the cluster sees of this node's engines ----
    private final EngineSnapshots shared;
    private final ClusterSettings clusterSettings;
    /** Tells this run of the node from an earlier one with the same id in the shared map. */
    private final long incarnation = System.currentTimeMillis();
    private final long[] versions;
    private final EngineSnapshot[] latest;
    private final long[] lastSharedNanos;
    private final long[] shareTimers;
    /** Set by {@link #drain}: the node takes nothing new, and its snapshots say so. */
    private boolean draining;

    /** A guard alone (tests): no other node reads its snapshots. */
    public GuardVerticle(String nodeId, GuardSettings settings, long stepTimeoutMs, NodeClock clock, ServerMetrics metrics,
                         RequestRegistry registry, ClusterView cluster) {
        this(nodeId, settings, stepTimeoutMs, clock, metrics, registry, cluster, EngineSnapshots.single(nodeId),
                ClusterSettings.defaults());
    }

    /** @param stepTimeoutMs how long one step may take before its requests are given up (see {@code stepOptions}) */
    public GuardVerticle(String nodeId, GuardSettings settings, long stepTimeoutMs, NodeClock clock, ServerMetrics metrics,
                         RequestRegistry registry, ClusterView cluster, EngineSnapshots shared, ClusterSettings clusterSettings) {
        this.nodeId = nodeId;
        this.shared = shared;
        this.clusterSettings = clusterSettings;
        this.settings = settings;
        this.cluster = cluster;
        this.clock = clock;
        this.metrics = metrics;
        this.registry = registry;
        Policy policy = settings.policy();
        this.schedulers = new Scheduler[settings.engines()];
        this.snapshots = new Snapshot[settings.engines()];
        for (int e = 0; e < schedulers.length; e++) {
            schedulers[e] = new Scheduler(policy, settings.scheduler(), settings.options(), settings.stepModel(),
                    settings.prefillModel());
            snapshots[e] = Snapshot.EMPTY;
            registerGauges(e, policy);
        }
        this.engines = List.of(schedulers);
        this.placement = settings.placement().equals("least-loaded") ? Placement.leastLoaded() : Placement.sloAware();
        this.healthy = new boolean[schedulers.length];
        this.sweeps = new long[schedulers.length];
        this.loops = new EngineLoop[schedulers.length];
        this.stepOptions = Addresses.local(stepTimeoutMs);
        Arrays.fill(healthy, true);
        Arrays.fill(sweeps, -1);
        this.versions = new long[schedulers.length];
        this.latest = new EngineSnapshot[schedulers.length];
        this.lastSharedNanos = new long[schedulers.length];
        this.shareTimers = new long[schedulers.length];
        Arrays.fill(shareTimers, -1);
    }

    private void registerGauges(int e, Policy policy) {
        Tags tags = Tags.of("engine", Integer.toString(e), "policy", policy.name());
        metrics.gauge("scorpio_waiting_requests", "length of the waiting queue", tags, () -> snapshots[e].waiting());
        metrics.gauge("scorpio_admitted_requests", "requests in the admitted set", tags, () -> snapshots[e].admitted());
        metrics.gauge("scorpio_live_requests", "requests waiting or running in the scheduler", tags, () -> snapshots[e].live());
        metrics.gauge("scorpio_virtual_batch_size", "VBS: sum of TRP over the admitted set", tags, () -> snapshots[e].vbs());
        metrics.gauge("scorpio_kv_blocks_used", "KV-cache blocks in use", tags, () -> snapshots[e].kvUsed());
        metrics.gauge("scorpio_kv_usage_ratio", "fraction of KV-cache blocks in use", tags,
                () -> (double) snapshots[e].kvUsed() / snapshots[e].kvTotal());
        metrics.gauge("scorpio_credits_enabled",
                "1 when credit-based batching is on; 0 for request-level workers (vLLM's stock API) and policies without it",
                tags, () -> policy.credits() ? 1 : 0);
    }

    @Override
    public Future<?> start() {
        bus = vertx.eventBus();
        outbox = new Outbox(bus, nodeId);
        for (int e = 0; e < loops.length; e++) {
            loops[e] = new EngineLoop(e);
        }
        List<Future<Void>> registered = new ArrayList<>();
        registered.add(bus.<Messages.Submit>localConsumer(Addresses.GUARD_SUBMIT, this::onSubmit).completion());
        registered.add(bus.<Messages.Abort>localConsumer(Addresses.GUARD_ABORT, this::onAbort).completion());
        registered.add(bus.localConsumer(Addresses.GUARD_STATE, m -> m.reply(state())).completion());
        registered.add(bus.<String>localConsumer(Addresses.NODE_LEFT, m -> onNodeLeft(m.body())).completion());
        registered.add(bus.<Long>localConsumer(Addresses.GUARD_DRAIN, m -> drain(m.body()).onComplete(n -> m.reply(n.result())))
                .completion());
        // The node's face to the rest of the cluster: quotes, submissions and aborts from other ingresses.
        String self = nodeId;
        registered.add(new NodeConsumers(vertx)
                .<JsonObject>add(Addresses.nodeQuote(self), this::onQuote)
                .<JsonObject>add(Addresses.nodeSubmit(self), this::onRemoteSubmit)
                .<JsonObject>add(Addresses.nodeAbort(self), m -> m.reply(abort(m.body().getString("sid"))))
                .add(Addresses.nodePing(self), m -> m.reply(null))
                .register());
        for (int e = 0; e < schedulers.length; e++) {
            int engine = e;
            registered.add(bus.<Boolean>localConsumer(Addresses.guardHealth(e), m -> onHealth(engine, m.body())).completion());
            registered.add(bus.<Messages.ModelUpdate>localConsumer(Addresses.guardModels(e), m -> {
                Scheduler s = schedulers[engine];
                s.updateModels(m.body().stepModel(), s.prefillModel());
            }).completion());
        }
        for (int e = 0; e < schedulers.length; e++) {
            publish(e); // the first share: other nodes can place here from now on
        }
        // A renewal, as a newer version: it shows the other nodes that this snapshot is current (they stop trusting
        // one not renewed in time, see EngineSnapshots), renews the entries' time to live and restores them after a
        // split heals. It keeps to the interval too, so a node configured to share rarely stays as stale as configured.
        vertx.setPeriodic(EngineSnapshots.RENEW_MS, t -> {
            long now = System.nanoTime();
            for (int e = 0; e < schedulers.length; e++) {
                if (now - lastSharedNanos[e] >= clusterSettings.snapshotIntervalMs() * 1_000_000) {
                    publish(e);
                }
            }
        });
        return Future.all(registered);
    }

    private void onSubmit(Message<Messages.Submit> m) {
        Messages.Submit s = m.body();
        m.reply(accept(s.spec(s.arrivalMs()), s.prompt(), nodeId, s.expectedHeadroom(), s.mayDecline()));
    }

    /** A request that entered another node: its tokens go back to that node's stream demultiplexer. */
    private void onRemoteSubmit(Message<JsonObject> m) {
        JsonObject o = m.body();
        String origin = o.getString("origin");
        Messages.Submit s = WireFormat.submit(o, clock.nowMs());
        m.reply(WireFormat.reply(accept(s.spec(s.arrivalMs()), s.prompt(), origin, s.expectedHeadroom(), s.mayDecline())));
    }

    /** The headroom the request would have on this node's best engine: what cluster placement compares. */
    private void onQuote(Message<JsonObject> m) {
        double now = clock.nowMs();
        Messages.Submit s = WireFormat.submit(m.body(), now);
        RequestSpec spec = s.spec(s.arrivalMs());
        // Engines out of service are left out; a node with none in service quotes far below any other.
        m.reply(WireFormat.quote(NodeQuote.of(nodeId, spec, engines, healthy, draining, now)));
    }

    /**
     * Takes a request onto one of this node's engines, or refuses it. A draining node in a cluster declines everything
     * new; a
     * submission placed from a snapshot ({@code expectedHeadroom} not NaN) that may go elsewhere is declined when this
     * guard's exact state would reject it for TTFT, or leaves it much less headroom than the snapshot promised: the
     * snapshot was stale, and the entry node tries the next best node.
     */
    private Messages.SubmitReply accept(RequestSpec spec, String prompt, String origin, double expectedHeadroom,
                                        boolean mayDecline) {
        double now = clock.nowMs();
        if (draining && cluster.nodes().size() > 1) {
            // Another node can take it. Alone, a request the ingress admitted before the drain is still served here.
            return new Messages.Declined(Messages.Declined.NODE_DRAINING, "node " + nodeId + " is shutting down");
        }
        int engine = place(spec, now);
        Scheduler scheduler = schedulers[engine];
        if (mayDecline && !Double.isNaN(expectedHeadroom)) {
            double headroom = Placement.headroom(spec, scheduler, now);
            double room = Placement.ttftRoomMs(spec, scheduler, now);
            if (room < 0 || headroom < expectedHeadroom - clusterSettings.staleTolerance()) {
                return new Messages.Declined(Messages.Declined.STALE_SNAPSHOT, String.format(java.util.Locale.ROOT,
                        "node %s: headroom %.3f, the snapshot promised %.3f; TTFT room %.1f ms", nodeId,
                        headroom, expectedHeadroom, room));
            }
        }
        SubmitResult result = scheduler.submit(spec, now);
        if (result instanceof SubmitResult.Refused refused) {
            return new Messages.Refused(refused.reason(), refused.message());
        }
        long arrivalEpoch = System.currentTimeMillis();
        meta.put(spec.id(), new Meta(prompt, engine, arrivalEpoch, origin, false));
        // The answer goes first, then the bookkeeping (next on this event loop, before any later message): the
        // registry write and the shared snapshot each wake Hazelcast's threads, here and on other members, and the
        // entry node waiting for this answer should not wait for a core behind them.
        vertx.runOnContext(v -> {
            if (meta.containsKey(spec.id())) { // not aborted meanwhile (its client may leave as soon as it has the answer)
                registry.put(spec.id(), new RequestRegistry.Entry(nodeId, engine, "waiting", arrivalEpoch));
            }
            publish(engine);
            loops[engine].kick();
        });
        return new Messages.Accepted(engine);
    }

    /**
     * A node left the cluster. Requests whose client was there can stream to nobody: they end here, freeing
     * their KV blocks and admitted-set entries. Registry entries of requests it served are removed (by every
     * survivor; deleting twice is harmless), so the shared state holds no orphans once the cluster settles.
     */
    private void onNodeLeft(String node) {
        double now = clock.nowMs();
        List<String> orphaned = new ArrayList<>();
        meta.forEach((id, info) -> {
            if (node.equals(info.origin())) {
                orphaned.add(id);
            }
        });
        for (String id : orphaned) {
            Meta info = meta.get(id);
            if (schedulers[info.engine()].abort(id, now)) {
                bus.send(Addresses.engineAbort(info.engine()), new Messages.Abort(id), Addresses.LOCAL);
            }
            forget(id);
            publish(info.engine());
        }
        registry.removeOwnedBy(node);
        shared.removeNode(node);
    }

    private void onAbort(Message<Messages.Abort> m) {
        m.reply(abort(m.body().id()));
    }

    private boolean abort(String id) {
        Meta info = meta.get(id);
        boolean live = info != null && schedulers[info.engine()].abort(id, clock.nowMs());
        if (live) {
            forget(id);
            publish(info.engine());
            bus.send(Addresses.engineAbort(info.engine()), new Messages.Abort(id), Addresses.LOCAL);
        }
        return live;
    }

    /** Ends a request the worker could not serve; its client gets an error event. */
    private void fail(Scheduler scheduler, String id, EngineWorker.Failure why, double now) {
        if (scheduler.abort(id, now)) {
            Meta gone = forget(id);
            if (gone != null) {
                outbox.add(gone.origin(), new StreamEvent.Failed(id, why.message(), why.invalidRequest()));
            }
        }
    }

    private void deliverRejections(int engine, Iteration it) {
        for (Rejection r : it.rejections()) {
            if (settings.migration() && migrate(engine, r)) {
                continue;
            }
            Meta gone = forget(r.request().id());
            if (gone != null) {
                // A request that already moved within this node is not moved again between nodes either.
                outbox.add(gone.origin(), new StreamEvent.Rejected(r.request().id(), r.reason().errorType(), r.message(),
                        gone.migrated()));
            }
        }
    }

    /**
     * Migration within this node: a TTFT rejection moves to the engine in service with the most TTFT room, when
     * that room is not negative (the same rule as {@code VirtualTimeCluster}'s). Between nodes, the ingress does
     * it: it hears the rejection and places the request again on a node that quotes room for it.
     */
    private boolean migrate(int from, Rejection r) {
        Meta info = meta.get(r.request().id());
        double now = clock.nowMs();
        int target = info == null || info.migrated() ? -1 : Placement.migrationTarget(r, engines, from, now, e -> healthy[e]);
        if (target < 0 || !queueOn(target, r.request().spec(), info, true, now)) {
            return false;
        }
        metrics.migrated("engine");
        return true;
    }

    /**
     * Queues a request that is moving within this node on engine {@code target}, keeping its arrival, deadline and
     * origin, if that engine takes it; the caller removes it from where it was. Returns whether it was queued.
     */
    private boolean queueOn(int target, RequestSpec spec, Meta info, boolean migrated, double now) {
        if (!(schedulers[target].submit(spec, now) instanceof SubmitResult.Queued)) {
            return false;
        }
        meta.put(spec.id(), new Meta(info.prompt(), target, info.arrivalEpochMs(), info.origin(), migrated));
        registry.put(spec.id(), new RequestRegistry.Entry(nodeId, target, "waiting", info.arrivalEpochMs()));
        publish(target);
        loops[target].kick();
        return true;
    }

    /**
     * Gives a waiting request back to the node it entered, rejected with {@code reason} (a draining node, a node
     * with no worker in service): that node's ingress places it again elsewhere. Returns whether it was handed back.
     */
    private boolean handBack(int engine, String id, String reason, String message, double now) {
        if (!schedulers[engine].abort(id, now)) {
            return false;
        }
        Meta gone = forget(id);
        if (gone == null) {
            return false;
        }
        outbox.add(gone.origin(), new StreamEvent.Rejected(id, reason, message, gone.migrated()));
        return true;
    }

    // ---- the engine loop: schedule, execute, update, as VirtualTimeCluster does in virtual time ----

    /**
     * The loop of one engine. At most one step is out at a time. When the scheduler has nothing to run, the loop
     * sleeps until a request arrives ({@link #kick}) or, while requests are live but none can run (held back by
     * admission), polls every {@code engine.idle-poll-ms}: the rejection pass and the starvation limit depend on the
     * clock. While the engine's worker is out of service no step is planned; its return kicks the loop again.
     */
    private final class EngineLoop {

        private final int engine;
        private final Scheduler scheduler;
        private boolean running;
        private long idleTimer = -1;

        EngineLoop(int engine) {
            this.engine = engine;
            this.scheduler = schedulers[engine];
        }

        /** Runs the loop unless a step is already out (it continues by itself) or the worker is out of service. */
        void kick() {
            if (running || !healthy[engine]) {
                return;
            }
            if (idleTimer >= 0) {
                vertx.cancelTimer(idleTimer);
                idleTimer = -1;
            }
            running = true;
            schedule();
        }

        /**
         * A bug in one turn must not stop the engine for good: it is logged, and the loop starts again after a pause
         * (the old engine loop did the same when the guard did not answer).
         */
        private void guarded(Runnable turn) {
            try {
                turn.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "engine " + engine + ": a loop turn failed; retrying", e);
                running = false;
                idleTimer = vertx.setTimer(Math.max(settings.idlePollMs(), 100), t -> {
                    idleTimer = -1;
                    kick();
                });
            }
        }

        private void schedule() {
            guarded(this::scheduleTurn);
        }

        private void scheduleTurn() {
            Iteration it = scheduler.schedule(clock.nowMs());
            deliverRejections(engine, it);
            if (it.step() instanceof StepPlan.Idle) {
                running = false;
                publish(engine);
                outbox.flush();
                if (scheduler.hasWork()) {
                    idleTimer = vertx.setTimer(settings.idlePollMs(), t -> {
                        idleTimer = -1;
                        kick();
                    });
                }
                return;
            }
            execute(it.step());
        }

        private void execute(StepPlan plan) {
            Map<String, String> prompts = Map.of();
            if (!plan.prefilling().isEmpty()) { // a prefill, or a mixed step's prompt chunks (chunked prefill)
                prompts = new HashMap<>();
                for (RequestState r : plan.prefilling()) {
                    Meta info = meta.get(r.id());
                    prompts.put(r.id(), info == null ? "" : info.prompt());
                    if (!r.hasFirstToken() && info != null) {
                        registry.put(r.id(), new RequestRegistry.Entry(nodeId, engine, "running",
                                info.arrivalEpochMs()));
                    }
                }
            }
            publish(engine);
            outbox.flush(); // rejections go out now, not after the step
            bus.<EngineWorker.Step>request(Addresses.engineStep(engine), new Messages.RunStep(plan, prompts), stepOptions)
                    .map(reply -> reply.body())
                    .recover(err -> {
                        // The engine did not answer: its worker hangs beyond every timeout of its own. Every request
                        // of the step is lost to it, as when the worker fails.
                        Map<String, String> lost = new HashMap<>();
                        plan.batch().forEach(r -> lost.put(r.id(), "engine " + engine + " did not answer: " + err.getMessage()));
                        return Future.succeededFuture(EngineWorker.Step.lost(lost));
                    })
                    .onSuccess(done -> guarded(() -> update(done)));
        }

        private void update(EngineWorker.Step done) {
            double now = clock.nowMs();
            for (Map.Entry<String, EngineWorker.Failure> failure : done.failures().entrySet()) {
                fail(scheduler, failure.getKey(), failure.getValue(), now);
            }
            for (Map.Entry<String, String> lost : done.lost().entrySet()) {
                // Lost to the worker, not its own fault: back to the queue while its client has nothing yet.
                if (!requeue(engine, lost.getKey(), now)) {
                    fail(scheduler, lost.getKey(), EngineWorker.Failure.of("worker failed: " + lost.getValue()), now);
                }
            }
            StepOutcome outcome = scheduler.complete(done.result(), now);
            for (RequestState r : outcome.advanced()) {
                boolean finished = !r.isLive();
                Meta info = finished ? forget(r.id()) : meta.get(r.id());
                if (info == null) {
                    continue;
                }
                int index = r.generatedTokens();
                String reason = finished ? done.finishReasons().getOrDefault(r.id(),
                        index >= r.spec().maxTokens() ? "length" : "stop") : null;
                // Usually one token; a worker relaying a server's stream may bring several (StepResult.tokens, which
                // that worker keeps within max_tokens, so the scheduler counted them all).
                List<EngineWorker.Token> tokens = done.tokens().getOrDefault(r.id(), List.of());
                int count = done.result().tokensOf(r.id());
                for (int k = 0; k < count; k++) {
                    int at = index - count + 1 + k;
                    EngineWorker.Token t = k < tokens.size() ? tokens.get(k) : EngineWorker.Token.of("");
                    outbox.add(info.origin(), new StreamEvent.Token(r.id(), at, t.text(), at == index ? reason : null,
                            t.relayed()));
                }
                if (finished) {
                    EngineWorker.Usage usage = done.usage().get(r.id());
                    outbox.add(info.origin(), usage == null
                            ? new StreamEvent.Done(r.id(), reason, r.spec().promptTokens(), index)
                            : new StreamEvent.Done(r.id(), reason, usage.promptTokens(), usage.completionTokens()));
                }
            }
            publish(engine);
            outbox.flush();
            if (done.workerFailed()) {
                onHealth(engine, false); // the engine's own message says so too; placement avoids it from now
            }
            if (healthy[engine]) {
                schedule();
            } else {
                running = false; // the worker's return kicks the loop again
            }
        }
    }

    // ---- worker health: placement avoids an engine whose worker is out of service ----

    /**
     * The engine for a new request: the placement's choice among engines whose worker is in service, or among
     * all when none is (the request then waits, or is rejected by the TTFT Guard, like those already queued).
     */
    private int place(RequestSpec spec, double now) {
        if (engines.size() == 1) {
            return 0;
        }
        int inService = placeInService(spec, now);
        return inService >= 0 ? inService : placement.place(spec, engines, now);
    }

    /** The placement's choice among the engines whose worker is in service; -1 when none is. */
    private int placeInService(RequestSpec spec, double now) {
        List<Integer> up = new ArrayList<>();
        for (int e = 0; e < healthy.length; e++) {
            if (healthy[e]) {
                up.add(e);
            }
        }
        if (up.isEmpty()) {
            return -1;
        }
        if (up.size() == engines.size()) {
            return placement.place(spec, engines, now);
        }
        List<Scheduler> candidates = new ArrayList<>(up.size());
        up.forEach(e -> candidates.add(schedulers[e]));
        return up.get(placement.place(spec, candidates, now));
    }

    /**
     * An engine's worker is out of service: the requests waiting there without a token would wait for its return.
     * Each moves to this node's engine in service with the most headroom (one that takes it); failing that, in a
     * cluster, it goes back to the node it entered, rejected with {@code worker_out_of_service}, and that node's
     * ingress places it again on another node. A request with tokens stays: its stream cannot resume elsewhere. Called
     * for the worker's failure and for the failed step's outcome, whichever comes first: the step's requests go back
     * to the queue only with the latter.
     */
    private void moveWaitingOff(int engine) {
        double now = clock.nowMs();
        boolean others = cluster.nodes().size() > 1;
        int moved = 0;
        int handedBack = 0;
        for (RequestState r : schedulers[engine].waitingInOrder()) {
            Meta info = meta.get(r.id());
            if (r.hasFirstToken() || info == null) {
                continue;
            }
            int target = placeInService(r.spec(), now);
            if (target >= 0 && queueOn(target, r.spec(), info, info.migrated(), now)) {
                schedulers[engine].abort(r.id(), now);
                metrics.replaced(Messages.Declined.WORKER_OUT_OF_SERVICE);
                moved++;
            } else if (others && handBack(engine, r.id(), Messages.Declined.WORKER_OUT_OF_SERVICE,
                    "the worker of engine " + engine + " on node " + nodeId + " is out of service", now)) {
                handedBack++;
            }
        }
        if (moved + handedBack > 0) {
            publish(engine);
            outbox.flush();
            LOG.log(System.Logger.Level.INFO, "engine " + engine + " out of service: " + moved + " waiting requests moved "
                    + "to engines in service, " + handedBack + " handed back to be placed on other nodes");
        }
    }

    /**
     * An engine's worker went out of service or came back. While it is out, its engine asks for no iteration, so
     * the rejection pass runs here on its own every {@code engine.idle-poll-ms} (as often as an idle engine polls):
     * a queued request whose deadline can no longer be met is told so now, not when the worker returns.
     */
    private void onHealth(int engine, boolean up) {
        healthy[engine] = up;
        if (!up) {
            moveWaitingOff(engine);
        }
        publish(engine);
        shareNow(engine); // other nodes stop (or start again) placing here at once
        if (!up && sweeps[engine] < 0) {
            sweeps[engine] = vertx.setPeriodic(settings.idlePollMs(), t -> {
                Iteration it = schedulers[engine].rejectUnattainable(clock.nowMs());
                if (!it.rejections().isEmpty() || !it.demoted().isEmpty()) {
                    deliverRejections(engine, it);
                    publish(engine);
                    outbox.flush();
                }
            });
        } else if (up && sweeps[engine] >= 0) {
            vertx.cancelTimer(sweeps[engine]);
            sweeps[engine] = -1;
        }
        if (up) {
            loops[engine].kick(); // requests waited meanwhile
        }
    }

    /** Sends a request lost to its worker back to the waiting queue; false when it has tokens or has ended. */
    private boolean requeue(int engine, String id, double now) {
        if (!schedulers[engine].requeue(id, now)) {
            return false;
        }
        Meta info = meta.get(id);
        if (info != null) {
            registry.put(id, new RequestRegistry.Entry(nodeId, engine, "waiting", info.arrivalEpochMs()));
        }
        return true;
    }

    /** Drops a request that ended from the guard's side tables and the registry. */
    private Meta forget(String id) {
        Meta gone = meta.remove(id);
        if (gone != null) {
            registry.remove(id);
        }
        return gone;
    }

    private void publish(int engine) {
        Scheduler s = schedulers[engine];
        snapshots[engine] = new Snapshot(s.waitingCount(), s.admittedCount(), s.liveCount(), s.virtualBatchSize(),
                s.totalKvBlocks() - s.freeKvBlocks(), s.totalKvBlocks());
        latest[engine] = EngineSnapshot.of(s, healthy[engine], draining, ++versions[engine]);
        shared.update(nodeId, engine, incarnation, latest[engine]);
        share(engine);
    }

    /**
     * Shares the engine's newest snapshot with the cluster, at most every {@code cluster.snapshot-interval-ms}: when
     * the last share was more recent, a timer shares whatever is newest when the interval has passed.
     */
    private void share(int engine) {
        long due = lastSharedNanos[engine] + clusterSettings.snapshotIntervalMs() * 1_000_000;
        long now = System.nanoTime();
        if (now - due >= 0) {
            shareNow(engine);
        } else if (shareTimers[engine] < 0) {
            shareTimers[engine] = vertx.setTimer(Math.max(1, (due - now) / 1_000_000), t -> {
                shareTimers[engine] = -1;
                shareNow(engine);
            });
        }
    }

    private void shareNow(int engine) {
        lastSharedNanos[engine] = System.nanoTime();
        shared.share(nodeId, engine, incarnation, latest[engine]);
    }

    /**
     * Graceful stop, in a cluster: this node takes nothing new (its snapshots say so at once, and it declines what
     * still comes), and every waiting request that has no token yet goes back to the node it entered, rejected with
     * {@code node_draining}, which that node's ingress places again elsewhere. Running requests finish. Completes with
     * the number of requests still here when they have all ended or {@code graceMs} has passed.
     */
    private Future<Integer> drain(long graceMs) {
        draining = true;
        boolean others = cluster.nodes().size() > 1;
        double now = clock.nowMs();
        int handedBack = 0;
        for (int e = 0; e < schedulers.length; e++) {
            if (others) {
                for (RequestState r : schedulers[e].waitingInOrder()) {
                    if (!r.hasFirstToken() && handBack(e, r.id(), Messages.Declined.NODE_DRAINING,
                            "node " + nodeId + " is shutting down", now)) {
                        handedBack++;
                    }
                }
            }
            publish(e);
            shareNow(e);
        }
        outbox.flush();
        LOG.log(System.Logger.Level.INFO, "draining: " + handedBack + " waiting requests handed back to be placed elsewhere");
        io.vertx.core.Promise<Integer> done = io.vertx.core.Promise.promise();
        long deadline = System.nanoTime() + graceMs * 1_000_000;
        vertx.setPeriodic(1, 25, t -> {
            if (meta.isEmpty() || System.nanoTime() - deadline >= 0) {
                vertx.cancelTimer(t);
                done.complete(meta.size());
            }
        });
        return done.future();
    }

    /**
     * The cluster view: every engine of every node in the cluster as this node holds it from the snapshot map (its
     * own engines as of the guard's last change, the others' as of their last share).
     */
    private JsonArray clusterEngines() {
        List<String> members = cluster.nodes();
        long now = shared.nowNanos();
        List<EngineSnapshots.Entry> entries = new ArrayList<>(shared.all());
        entries.sort(java.util.Comparator.comparing(EngineSnapshots.Entry::node).thenComparingInt(EngineSnapshots.Entry::engine));
        JsonArray out = new JsonArray();
        for (EngineSnapshots.Entry e : entries) {
            if (!members.contains(e.node())) {
                continue;
            }
            EngineSnapshot s = e.snapshot();
            out.add(new JsonObject().put("node", e.node()).put("engine", e.engine()).put("version", s.version())
                    .put("age_ms", e.ageMs(now)).put("waiting", s.waiting()).put("admitted", s.admitted()).put("vbs", s.vbs())
                    .put("tail_ttft_ms", s.tailMinimalTtftMs()).put("kv_blocks_used", s.kvUsed())
                    .put("kv_blocks_total", s.kvTotal()).put("healthy", s.healthy()).put("draining", s.draining()));
        }
        return out;
    }

    private JsonObject state() {
        JsonArray engines = new JsonArray();
        for (int e = 0; e < schedulers.length; e++) {
            Scheduler s = schedulers[e];
            engines.add(new JsonObject().put("engine", e).put("policy", s.policy().name()).put("credits", s.policy().credits())
                    .put("waiting", s.waitingCount()).put("admitted", s.admittedCount()).put("live", s.liveCount())
                    .put("vbs", s.virtualBatchSize()).put("kv_blocks_used", s.totalKvBlocks() - s.freeKvBlocks())
                    .put("kv_blocks_total", s.totalKvBlocks()).put("healthy", healthy[e])
                    .put("step_model", new JsonObject().put("a", s.stepModel().a()).put("b", s.stepModel().b())
                            .put("c", s.stepModel().c()).put("d", s.stepModel().d())));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node", nodeId);
        out.put("cluster_nodes", new JsonArray(new ArrayList<>(cluster.nodes())));
        out.put("tracked", meta.size());
        out.put("placement", settings.placement());
        out.put("guard_options", new JsonObject().put("low_load_fallback", settings.options().lowLoadFallback())
                .put("best_effort", settings.options().bestEffort())
                .put("prefill_aware_credits", settings.options().prefillAwareCredits())
                .put("prefill_aware_admission", settings.options().prefillAwareAdmission())
                .put("migration", settings.migration()));
        out.put("engines", engines);
        out.put("draining", draining);
        out.put("cluster_engines", clusterEngines());
        return new JsonObject(out);
    }
}
