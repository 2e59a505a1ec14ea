package io.scorpio.live;

import io.scorpio.server.engine.SyntheticText;
import io.scorpio.server.ingress.OpenAiFormat;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateway benchmark's baseline: the same simulated worker's token timing with no gateway in between. One
 * Vert.x HTTP server on one event loop runs a step loop, as the engine does: every {@code stepMs} it writes the next
 * token to every open stream (one batch step), chained on a timer. It speaks just enough of the service's wire
 * format for the live client (SSE chunks built by the service's own {@link OpenAiFormat}, and the WebSocket
 * token/done messages), with no parsing of SLOs, no scheduler, no event bus, no registry and no metrics.
 *
 * <p>What the gateway adds over this is therefore: request validation and tokenization, the guard's decisions, the
 * event-bus hops between ingress, guard and engine, back-pressure plumbing, and metrics.
 */
public final class DirectServer extends AbstractVerticle {

    private final double stepMs;
    private final List<Stream> streams = new ArrayList<>();
    private HttpServer server;

    /** One open stream: where to write and how many tokens are left. */
    private record Stream(Writer out, String id, int[] left, int max) {
    }

    private interface Writer {
        void token(int index, boolean last);

        boolean closed();
    }

    public DirectServer(double stepMs) {
        this.stepMs = stepMs;
    }

    public static DirectServer deploy(Vertx vertx, double stepMs) throws Exception {
        DirectServer d = new DirectServer(stepMs);
        vertx.deployVerticle(d).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return d;
    }

    public int port() {
        return server.actualPort();
    }

    @Override
    public void start(Promise<Void> started) {
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true));
        server.webSocketHandler(this::onWebSocket);
        server.requestHandler(req -> req.body().onSuccess(b -> onCompletion(req.response(), b.toJsonObject())));
        server.listen().onSuccess(s -> {
            step();
            started.complete();
        }).onFailure(started::fail);
    }

    private void onCompletion(HttpServerResponse resp, JsonObject body) {
        int max = body.getInteger("max_tokens", 16);
        String id = "cmpl-direct-" + System.nanoTime();
        long created = System.currentTimeMillis() / 1000;
        String model = body.getString("model", "llama-3.1-8b");
        resp.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
        streams.add(new Stream(new Writer() {
            @Override
            public void token(int index, boolean last) {
                resp.write(OpenAiFormat.sse(OpenAiFormat.chunk(false, id, created, model, null,
                        SyntheticText.token(index), last ? "length" : null, false)));
                if (last) {
                    resp.end(OpenAiFormat.SSE_DONE);
                }
            }

            @Override
            public boolean closed() {
                return resp.closed() || resp.ended();
            }
        }, id, new int[] {max}, max));
    }

    private void onWebSocket(ServerWebSocket ws) {
        ws.textMessageHandler(text -> {
            JsonObject m = new JsonObject(text);
            if (!"request".equals(m.getString("type"))) {
                return;
            }
            String id = m.getString("id");
            int max = m.getInteger("max_tokens", 16);
            streams.add(new Stream(new Writer() {
                @Override
                public void token(int index, boolean last) {
                    ws.writeTextMessage(new JsonObject().put("type", "token").put("id", id).put("index", index)
                            .put("text", SyntheticText.token(index)).encode());
                    if (last) {
                        ws.writeTextMessage(new JsonObject().put("type", "done").put("id", id)
                                .put("finish_reason", "length").encode());
                    }
                }

                @Override
                public boolean closed() {
                    return ws.isClosed();
                }
            }, id, new int[] {max}, max));
        });
    }

    /** One decode step over every open stream, then the next step stepMs after this one began. */
    private void step() {
        long began = System.nanoTime();
        for (Iterator<Stream> it = streams.iterator(); it.hasNext(); ) {
            Stream s = it.next();
            if (s.out().closed()) {
                it.remove();
                continue;
            }
            int index = s.max() - s.left()[0] + 1;
            boolean last = --s.left()[0] == 0;
            s.out().token(index, last);
            if (last) {
                it.remove();
            }
        }
        long elapsedMs = (System.nanoTime() - began) / 1_000_000;
        vertx.setTimer(Math.max(1, Math.round(stepMs - elapsedMs)), id -> step());
    }

    @Override
    public void stop() {
        streams.clear();
    }

    Future<Void> closeServer() {
        return server.close();
    }
}
