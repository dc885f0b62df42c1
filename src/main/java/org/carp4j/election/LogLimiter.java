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

    /**
     * The same for a numeric key (a vhid and a packet's source), without allocating: a flood of
     * forged packets must not cost a boxed key each. Up to maxKeys - 1 keys (63 when unbounded),
     * found by a scan; a quiet key's slot is reused, and beyond that they share the last slot, as
     * {@link #OTHERS} does.
     */
    String admit(long key, long now) {
        if (numeric == null) {
            int n = Math.min(maxKeys, 64);
            numeric = new long[n];
            numericState = new long[n][];
        }
        int slot = -1;
        for (int i = 0; i < numericCount; i++) {
            if (numeric[i] == key) {
                slot = i;
                break;
            }
        }
        if (slot < 0) {
            int free = numericCount < numeric.length - 1 ? numericCount++ : expired(now);
            if (free < 0) {
                // the last slot stands for every key beyond the others
                if (numericState[numeric.length - 1] == null) {
                    numericState[numeric.length - 1] = new long[] {now, 0};
                    return "";
                }
                return admitIn(numericState[numeric.length - 1], now);
            }
            numeric[free] = key;
            numericState[free] = new long[] {now, 0};
            return "";
        }
        return admitIn(numericState[slot], now);
    }

    /** A key's slot that is quiet (a period since its line, nothing held back since): reused. */
    private int expired(long now) {
        for (int i = 0; i < numericCount; i++) {
            if (now - numericState[i][0] >= period && numericState[i][1] == 0) {
                return i;
            }
        }
        return -1;
    }

    private long[] numeric;
    private long[][] numericState;
    private int numericCount;

    private String admitIn(long[] s, long now) {
        if (now - s[0] < period) {
            s[1]++;
            return null;
        }
        String suffix = s[1] == 0 ? "" : " (" + s[1] + " more since)";
        s[0] = now;
        s[1] = 0;
        return suffix;
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
        return admitIn(s, now);
    }
}
