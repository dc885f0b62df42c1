package org.carp4j.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** One line per key per period; numeric keys (vhid and source) are bounded and reused when quiet. */
class LogLimiterTest {
    static final long S = Interval.SECOND;

    @Test
    void aKeyIsLoggedOncePerPeriodWithWhatWasHeldBack() {
        LogLimiter l = new LogLimiter(60 * S, 64);
        assertEquals("", l.admit(7L, 0));
        assertNull(l.admit(7L, S));
        assertNull(l.admit(7L, 2 * S));
        assertEquals(" (2 more since)", l.admit(7L, 61 * S));
        assertEquals("", l.admit(8L, 61 * S), "another source has its own line");
    }

    @Test
    void aFloodOfSourcesSharesOneSlotAndAQuietSlotIsReused() {
        LogLimiter l = new LogLimiter(60 * S, 4); // three keys of their own, the fourth slot shared
        assertEquals("", l.admit(1L, 0));
        assertEquals("", l.admit(2L, 0));
        assertEquals("", l.admit(3L, 0));
        assertEquals("", l.admit(100L, 0), "the shared slot's first line");
        assertNull(l.admit(101L, S), "every further source shares it");
        assertNull(l.admit(1L, S));
        // a minute on, slots 2 and 3 are quiet (nothing held back): a new source takes one
        assertEquals("", l.admit(200L, 61 * S));
        assertEquals(" (1 more since)", l.admit(1L, 62 * S), "key 1 held a line back, so it kept its slot");
    }
}
