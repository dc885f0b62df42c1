package org.carp4j.election;

import java.util.HashMap;
import java.util.Map;

/**
 * At most one log line per key per period, so that a flood of packets costs counters, not log
 * volume. Keys come from small fixed sets (drop reasons, one interface), so the map stays small.
 */
final class LogLimiter {
    /** Where keys come from outside (a packet's source), beyond this many they share one key. */
    static final String OTHERS = "others";
    private final long period;
    private final int maxKeys;
    private final Map<Object, long[]> seen = new HashMap<>(); // key -> {last logged at, suppressed since}

    LogLimiter(long period) {
        this(period, Integer.MAX_VALUE);
    }

    LogLimiter(long period, int maxKeys) {
        this.period = period;
        this.maxKeys = maxKeys;
    }

    /** Null if this line is to be left out; else a suffix for it ("" or " (N more since)"). */
    String admit(Object key, long now) {
        if (!seen.containsKey(key) && seen.size() >= maxKeys - 1) {
            key = OTHERS; // a flood of forged sources costs one line per period, not memory
        }
        long[] s = seen.get(key);
        if (s == null) {
            seen.put(key, new long[] {now, 0});
            return "";
        }
        if (now - s[0] < period) {
            s[1]++;
            return null;
        }
        String suffix = s[1] == 0 ? "" : " (" + s[1] + " more since)";
        s[0] = now;
        s[1] = 0;
        return suffix;
    }
}
