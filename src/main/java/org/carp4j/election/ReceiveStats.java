package org.carp4j.election;

import java.util.EnumMap;
import java.util.Map;
import org.carp4j.codec.DropReason;

/** Receive and send counters, what `netstat -s -p carp` shows on the BSDs. */
public final class ReceiveStats {
    /** By DropReason ordinal: counting a drop must not box a Long (a flood is all drops). */
    private final long[] drops = new long[DropReason.values().length];
    private long received4;
    private long received6;
    private long accepted;
    private long sent4;
    private long sent6;

    void received(boolean v4) {
        if (v4) {
            received4++;
        } else {
            received6++;
        }
    }

    void dropped(DropReason r) {
        drops[r.ordinal()]++;
    }

    void accepted() {
        accepted++;
    }

    void sent(boolean v4) {
        if (v4) {
            sent4++;
        } else {
            sent6++;
        }
    }

    public long drops(DropReason r) {
        return drops[r.ordinal()];
    }

    /** A stable snapshot: name -> count, names as the read-only sysctls net.inet.carp.stats.*. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("ipackets", received4);
        m.put("ipackets6", received6);
        m.put("accepted", accepted);
        for (DropReason r : DropReason.values()) {
            m.put(r.statName(), drops(r));
        }
        m.put("opackets", sent4);
        m.put("opackets6", sent6);
        return m;
    }

    public Map<DropReason, Long> dropsByReason() {
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            m.put(r, drops(r));
        }
        return m;
    }
}
