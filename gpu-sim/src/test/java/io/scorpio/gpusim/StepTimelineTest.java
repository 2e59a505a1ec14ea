package io.scorpio.gpusim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Steps back to back keep the GPU's own timeline; a pause starts it afresh. Time is passed in. */
class StepTimelineTest {

    private static final long MS = 1_000_000;

    @Test
    void aStepPlannedJustAfterTheLastOneEndedStartsAtThatEnd() {
        StepTimeline t = new StepTimeline();
        assertEquals(20 * MS, t.start(0, 20 * MS), "the first step starts when planned");
        // Planned 3 ms late (a relay's CPU, a late timer): it still ends 20 ms after the last one's end.
        assertEquals(17 * MS, t.start(23 * MS, 20 * MS));
        // Planned so late that the previous end is past by less than the idle limit: the wait may be negative.
        assertEquals(-4 * MS + 1 * MS, t.start(40 * MS + 4 * MS, 1 * MS));
    }

    @Test
    void afterAPauseLongerThanTheIdleLimitAStepStartsWhenPlanned() {
        StepTimeline t = new StepTimeline();
        t.start(0, 10 * MS);
        assertEquals(10 * MS, t.start(10 * MS + StepTimeline.IDLE_AFTER_NANOS + 1, 10 * MS));
    }
}
