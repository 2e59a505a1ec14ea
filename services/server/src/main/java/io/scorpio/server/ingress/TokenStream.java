package io.scorpio.server.ingress;

import io.scorpio.server.bus.StreamEvents;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.MessageConsumerOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One request's token stream: an event-bus consumer on its stream address, exposed as a Mutiny {@link Multi}
 * with real back-pressure. The consumer starts paused and fetches exactly what the subscriber requests; what
 * the engine sends meanwhile waits in the consumer's buffer, bounded by the request's {@code max_tokens} plus
 * its terminal events, so nothing is ever dropped. The stream ends after its terminal event, or when cancelled
 * (client gone), and always unregisters its consumer.
 */
public final class TokenStream implements Flow.Publisher<JsonObject> {

    private final Context context;
    private final MessageConsumer<JsonObject> consumer;
    private final AtomicInteger openGauge;
    private Flow.Subscriber<? super JsonObject> subscriber;
    private boolean closed;

    public TokenStream(Vertx vertx, String address, int maxTokens, AtomicInteger openGauge) {
        this.context = vertx.getOrCreateContext();
        this.openGauge = openGauge;
        this.consumer = vertx.eventBus().consumer(new MessageConsumerOptions().setAddress(address).setLocalOnly(true)
                .setMaxBufferedMessages(maxTokens + 8));
        consumer.pause();
        consumer.handler(m -> deliver(m.body()));
        openGauge.incrementAndGet();
    }

    /** Completes once the consumer is registered: only then may the request be submitted. */
    public Future<Void> ready() {
        return consumer.completion();
    }

    public Multi<JsonObject> multi() {
        return Multi.createFrom().publisher(this);
    }

    @Override
    public void subscribe(Flow.Subscriber<? super JsonObject> s) {
        context.runOnContext(v -> {
            if (subscriber != null) {
                s.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                });
                s.onError(new IllegalStateException("a token stream has one subscriber"));
                return;
            }
            subscriber = s;
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    if (n <= 0) {
                        context.runOnContext(x -> fail(new IllegalArgumentException("request(" + n + ")")));
                        return;
                    }
                    context.runOnContext(x -> {
                        if (!closed) {
                            consumer.fetch(n);
                        }
                    });
                }

                @Override
                public void cancel() {
                    context.runOnContext(x -> close());
                }
            });
        });
    }

    private void deliver(JsonObject event) {
        if (closed || subscriber == null) {
            return;
        }
        subscriber.onNext(event);
        if (StreamEvents.terminal(event) && !closed) {
            close();
            subscriber.onComplete();
        }
    }

    private void fail(Throwable t) {
        if (!closed) {
            close();
            subscriber.onError(t);
        }
    }

    /** Unregisters the consumer; idempotent. Call on the owning context. */
    public void close() {
        if (!closed) {
            closed = true;
            consumer.unregister();
            openGauge.decrementAndGet();
        }
    }
}
