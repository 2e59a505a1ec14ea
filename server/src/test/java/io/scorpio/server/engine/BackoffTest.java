package io.scorpio.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesFromTheInitialWaitUpToTheCapAndStartsOverOnReset() {
        Backoff b = new Backoff(250, 10_000);
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            waits.add(b.next());
        }
        assertEquals(List.of(250L, 500L, 1000L, 2000L, 4000L, 8000L, 10_000L, 10_000L), waits);
        b.reset();
        assertEquals(250, b.next());
    }

    @Test
    void aCapBelowTheInitialWaitIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(500, 100));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 100));
    }
}
