package io.scorpio.server.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Marks messages that only travel between verticles of one node (ingress to its guard, guard to its
 * engines, guard to ingress): they are passed by reference, never serialized. Records, immutable, so sharing them
 * across event loops is safe. What crosses nodes is JSON, shaped in one place: {@code WireFormat}.
 */
public interface LocalMessage {

    String CODEC = "scorpio-local";

    /** Registers the pass-by-reference codec and selects it for every {@link LocalMessage}. */
    static void register(EventBus bus) {
        bus.registerCodec(new MessageCodec<LocalMessage, LocalMessage>() {
            @Override
            public void encodeToWire(Buffer buffer, LocalMessage o) {
                throw new UnsupportedOperationException("local messages never leave their node: " + o);
            }

            @Override
            public LocalMessage decodeFromWire(int pos, Buffer buffer) {
                throw new UnsupportedOperationException("local messages never leave their node");
            }

            @Override
            public LocalMessage transform(LocalMessage o) {
                return o;
            }

            @Override
            public String name() {
                return CODEC;
            }

            @Override
            public byte systemCodecID() {
                return -1;
            }
        });
        bus.codecSelector(body -> body instanceof LocalMessage ? CODEC : null);
    }
}
