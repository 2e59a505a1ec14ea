package io.scorpio.server.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.bus.StreamEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The token stream delivers only what its subscriber asked for, buffers the rest, and unregisters at the end. */
class TokenStreamTest {

    @Test
    void deliversOnDemandAndClosesAfterTheTerminalEvent() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            AtomicInteger open = new AtomicInteger();
            List<JsonObject> got = new CopyOnWriteArrayList<>();
            AtomicBoolean completed = new AtomicBoolean();
            CompletableFuture<Flow.Subscription> sub = new CompletableFuture<>();
            CompletableFuture<TokenStream> created = new CompletableFuture<>();
            vertx.runOnContext(v -> {
                TokenStream s = new TokenStream(vertx, "test.stream", 10, open);
                s.ready().onSuccess(x -> created.complete(s));
            });
            TokenStream stream = created.get(30, TimeUnit.SECONDS);
            assertEquals(1, open.get());
            for (int i = 1; i <= 4; i++) {
                vertx.eventBus().send("test.stream", StreamEvents.token(i, "t" + i, null));
            }
            vertx.eventBus().send("test.stream", StreamEvents.done("length", 1, 4));
            stream.multi().subscribe().withSubscriber(new Flow.Subscriber<JsonObject>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    sub.complete(s);
                    s.request(2);
                }

                @Override
                public void onNext(JsonObject item) {
                    got.add(item);
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onComplete() {
                    completed.set(true);
                }
            });
            waitFor(() -> got.size() == 2);
            Thread.sleep(200); // nothing more may arrive without demand
            assertEquals(2, got.size());
            sub.get(30, TimeUnit.SECONDS).request(10);
            waitFor(completed::get);
            assertEquals(5, got.size());
            assertEquals("done", got.get(4).getString("type"));
            assertEquals(0, open.get(), "the consumer is unregistered");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(20);
        }
    }
}
