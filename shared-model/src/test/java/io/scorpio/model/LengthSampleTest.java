package io.scorpio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The one sample record: lengths are counts, the text is optional, the source id is required. */
class LengthSampleTest {

    @Test
    void keepsTheTextWhereTheDatasetHasIt() {
        assertEquals(Optional.of("Write a haiku."), new LengthSample("q1", 5, 17, "Write a haiku.", false).text());
        assertTrue(new LengthSample("sharegpt-1", 74, 918, null, false).text().isEmpty());
    }

    @Test
    void refusesNegativeLengthsAndAMissingId() {
        assertThrows(IllegalArgumentException.class, () -> new LengthSample("x", -1, 10, null, false));
        assertThrows(IllegalArgumentException.class, () -> new LengthSample("x", 10, -1, null, false));
        assertThrows(NullPointerException.class, () -> new LengthSample(null, 10, 10, null, false));
    }
}
