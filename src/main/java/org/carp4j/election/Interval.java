package org.carp4j.election;

/**
 * CARP time arithmetic in nanoseconds. An interval is advbase + advskew/256 s; 1/256 s is exactly
 * 3,906,250 ns, so comparisons are exact (BSD compares (s, µs) pairs with the same result).
 */
public final class Interval {
    public static final long SECOND = 1_000_000_000L;
    public static final long SKEW_UNIT = SECOND / 256;
    /** PROTOCOL.md §0: master-down = 3 x (advbase + advskew/256), as current OpenBSD. */
    public static final int DEAD_RATIO = 3;

    private Interval() {
    }

    public static long of(int advbase, int advskew) {
        return advbase * SECOND + advskew * SKEW_UNIT;
    }

    public static long masterDown(int advbase, int advskew) {
        return DEAD_RATIO * of(advbase, advskew);
    }
}
