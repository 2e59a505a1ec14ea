package io.scorpio.bench;

import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.RejectionRule;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.core.scheduler.Iteration;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.Scheduler;
import io.scorpio.core.scheduler.StepOutcome;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.model.Slo;
import io.scorpio.model.SloClass;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The guard's decision work in one scheduler iteration: {@code schedule} (rejection pass, head-of-queue
 * admission check, credit selection, KV slot reservation) plus {@code complete} (applying the step's
 * tokens), with {@code admitted} requests running and {@code waiting} queued.
 *
 * <p>The state is held steady so that every invocation is the same kind of iteration, a decode step:
 * nothing finishes (max_tokens is huge, the worker stops nothing), the KV cache never runs out, and the
 * queue's head is never admitted. For policies with TPOT admission the head fails the VBS check (its TPOT
 * SLO is 1 ms), so that check runs every time; for the others the sequence budget is full.
 *
 * <p>Mooncake's early rule judges each request once, on arrival; set-up runs that first iteration, so what
 * is measured is its steady state.
 *
 * <p>{@code deadlines=tight} is the worst case for the TTFT rejection pass: every waiting request's slack
 * lies just above its own minimal TTFT but below the prefill of the whole queue, so the walk can never stop
 * early and never rejects. {@code ample} gives every request an hour, the common case for LDF.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class GuardDecisionBenchmark {

    static final StepTimeModel STEP = new StepTimeModel(2.2e-5, 0.11, 0.0021, 9.4);
    static final PrefillTimeModel PREFILL = new PrefillTimeModel(150, 14.5, 0.061, 8.2);
    /** Virtual time between iterations: small, so deadlines stay put however many invocations run. */
    static final double TICK_MS = 1e-3;

    @Param({"vllm", "s3", "mooncake", "mooncake-early-reject", "scorpio-ttft-only", "scorpio-tpot-only", "scorpio"})
    public String policy;

    @Param({"16", "64", "256"})
    public int admitted;

    @Param({"100", "1000", "10000"})
    public int waiting;

    @Param({"tight"})
    public String deadlines;

    private Scheduler scheduler;
    private double now;
    private StepResult result;

    @Setup(Level.Iteration)
    public void setUp() {
        Policy p = Policy.named(policy);
        SplittableRandom rnd = new SplittableRandom(42);
        int seqs = p.tpotAdmission() ? 256 : admitted;
        SchedulerConfig config = SchedulerConfig.PAPER.withKvBlocks(40_000_000).withWatermark(0).withBudgets(1024, seqs);
        scheduler = new Scheduler(p, config, STEP, PREFILL);
        now = 0;
        // Fill the admitted set through the scheduler's own path: submit, prefill, complete.
        // TPOT SLOs of 100 and 200 ms: loose enough that VBS admission lets 256 run at once, and mixed, so
        // that credits skip the 200 ms half every other step.
        for (int i = 0; i < admitted; i++) {
            scheduler.submit(new RequestSpec("run" + i, 0, 50 + rnd.nextInt(950), 1_000_000,
                    new Slo(3_600_000, rnd.nextBoolean() ? 100 : 200), 200), 0);
            Iteration it = scheduler.schedule(now);
            if (!(it.step() instanceof StepPlan.Prefill)) {
                throw new IllegalStateException("could not admit " + i + " under " + policy);
            }
            scheduler.complete(StepResult.of(0), now);
        }
        if (scheduler.admittedCount() != admitted) {
            throw new IllegalStateException("admitted " + scheduler.admittedCount() + ", wanted " + admitted);
        }
        long prefix = 0;
        for (int i = 0; i < waiting; i++) {
            int prompt = 10 + rnd.nextInt(990);
            prefix += prompt;
            double ttft = deadlines.equals("tight") ? PREFILL.prefillMs(prefix) + 50 + 1_000 : 3_600_000;
            // Mooncake's early rule rejects on arrival any TPOT below a batch of one's step time; give its
            // queue TPOTs it accepts, so that the queue keeps its size.
            double tpot = p.rejection() == RejectionRule.MOONCAKE_EARLY ? Slo.MAX_MS
                    : i == 0 ? 1 : SloClass.LLAMA_3_1_8B.get(rnd.nextInt(6)).slo().tpotMs();
            scheduler.submit(new RequestSpec("wait" + i, 0, prompt, 2048 - prompt, new Slo(ttft, tpot),
                    1 + rnd.nextInt(1000)), 0);
        }
        result = StepResult.of(TICK_MS);
        // One iteration outside the measurement: Mooncake's early rule judges each arrival once, here.
        decideOneIteration();
        if (scheduler.waitingCount() != waiting) {
            throw new IllegalStateException("the queue lost requests in set-up: " + scheduler.waitingCount());
        }
    }

    @Benchmark
    public StepOutcome decideOneIteration() {
        Iteration it = scheduler.schedule(now);
        if (!(it.step() instanceof StepPlan.Decode) || !it.rejections().isEmpty()) {
            throw new IllegalStateException("the benchmark's state drifted: " + it);
        }
        now += TICK_MS;
        return scheduler.complete(result, now);
    }
}
