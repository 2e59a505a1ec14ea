package io.scorpio.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.DataFiles;
import io.scorpio.model.RequestOutcome;
import io.scorpio.server.ScorpioNode;
import io.scorpio.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real node (simulated worker sped up 20 times, no predictor, no Hazelcast) driven by the live client over both
 * transports. Assertions are about accounting, never speed: every request sent ends exactly once, completed
 * requests got exactly their forced output length, and the node holds nothing afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveClientTest {

    private ScorpioNode node;
    private Loopback target;

    @BeforeAll
    void start() throws Exception {
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of("http.port", "0", "predictor", "none",
                "hazelcast.mode", "none", "worker.time-scale", "0.05"), List.of()));
        target = new Loopback("127.0.0.1", node.port());
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @ParameterizedTest
    @EnumSource(LiveClient.Transport.class)
    void everyRequestIsAccountedFor(LiveClient.Transport transport, @TempDir Path out) throws Exception {
        List<WorkloadRequest> wl = LiveWorkloads.build(Workloads.SHAREGPT, DataFiles.resolve(), 20, 30, 7);
        LiveClient.Run run;
        try (LiveClient client = new LiveClient(new LiveClient.Options(target, transport, "llama-3.1-8b", 120, 2,
                false))) {
            run = client.run(wl);
        }
        assertEquals(0, run.notSent());
        assertEquals(wl.size(), run.results().size(), "one result per request");
        assertEquals(wl.size(), run.results().stream().mapToLong(RequestResult::id).distinct().count());
        for (RequestResult r : run.results()) {
            assertTrue(r.outcome() == RequestOutcome.COMPLETED || r.outcome() == RequestOutcome.REJECTED,
                    "request " + r.id() + " ended " + r.outcome() + " " + r.failureReason());
            if (r.completed()) {
                assertEquals(wl.get((int) r.id()).outputTokens(), r.outputTokens(), "forced output length");
            }
        }
        assertTrue(run.results().stream().anyMatch(RequestResult::completed));
        LiveReport.write(out, "test", transport.name(), 20, run);
        for (String f : List.of("summary.csv", "summary.json", "summary.md", "requests.csv", "cumulative.png",
                "ttft.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        ServiceState state = ServiceState.awaitIdle(target, 10_000);
        assertTrue(state.idle(), "nothing leaked: " + state);
    }

    @Test
    void theTimeBoundAbortsWhatIsOpenAndSendsNothingMore() throws Exception {
        // Arrivals spread over 60 s, a 1.5 s bound: the rest is never sent and whatever is open is aborted.
        List<WorkloadRequest> wl = LiveWorkloads.build(Workloads.SHAREGPT, DataFiles.resolve(), 0.5, 30, 3);
        LiveClient.Run run;
        try (LiveClient client = new LiveClient(new LiveClient.Options(target, LiveClient.Transport.SSE,
                "llama-3.1-8b", 1.5, 1, false))) {
            run = client.run(wl);
        }
        assertEquals(wl.size(), run.results().size() + run.notSent());
        assertTrue(run.notSent() > 0);
        assertTrue(ServiceState.awaitIdle(target, 10_000).idle());
    }

    @Test
    void refusesNonLoopbackTargets() {
        assertThrows(IllegalArgumentException.class, () -> Loopback.parse("http://example.com:8080"));
        assertThrows(IllegalArgumentException.class, () -> Loopback.parse("http://10.0.0.1:8080"));
        assertThrows(IllegalArgumentException.class, () -> Loopback.parse("https://127.0.0.1:8080"));
        assertEquals(new Loopback("127.0.0.1", 8080), Loopback.parse("http://127.0.0.1:8080"));
        assertEquals(new Loopback("::1", 9000), Loopback.parse("http://[::1]:9000"));
        assertEquals(new Loopback("localhost", 80), Loopback.parse("ws://localhost"));
    }

    @Test
    void promptsHaveExactlyTheRequestedTokenCount() {
        for (int n : new int[] {1, 2, 17, 300, 1024}) {
            assertEquals(n, PromptText.count(PromptText.of(n)));
        }
    }
}
