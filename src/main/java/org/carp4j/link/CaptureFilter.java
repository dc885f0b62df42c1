package org.carp4j.link;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The capture filter carpd puts in the kernel, in pcap syntax: ARP (arpbalance answers requests,
 * carppeer learns its peer's MAC from replies), and CARP over IPv4 and IPv6 for the configured
 * vhids only, so a flood for other vhids or other protocols never wakes the daemon. Pure.
 */
public final class CaptureFilter {
    private CaptureFilter() {
    }

    /**
     * The expression for these vhids (1..255). {@code carp[1]} is the vhid byte behind an IPv4
     * header of any length (unfragmented only); for IPv6, CARP must be the first next header
     * (carpd drops anything else), so the vhid is at byte 41 of the IPv6 header.
     */
    public static String expression(java.util.Collection<Integer> vhids) {
        SortedSet<Integer> set = new TreeSet<>();
        for (int v : vhids) {
            if (v < 1 || v > 255) {
                throw new IllegalArgumentException("vhid " + v + " out of range 1..255");
            }
            set.add(v);
        }
        if (set.isEmpty()) {
            return "arp";
        }
        return "arp or (ip proto 112 and " + match("carp[1]", set) + ") or (ip6[6] = 112 and "
                + match("ip6[41]", set) + ")";
    }

    /** field in the set, as ranges: "x = 5" or "(x >= 1 and x <= 255)", joined by "or". */
    private static String match(String field, SortedSet<Integer> set) {
        List<String> terms = new ArrayList<>();
        int start = -1;
        int prev = -1;
        for (int v : set) {
            if (start < 0) {
                start = v;
            } else if (v != prev + 1) {
                terms.add(range(field, start, prev));
                start = v;
            }
            prev = v;
        }
        terms.add(range(field, start, prev));
        return terms.size() == 1 ? terms.get(0) : "(" + String.join(" or ", terms) + ")";
    }

    private static String range(String field, int from, int to) {
        if (from == to) {
            return field + " = " + from;
        }
        if (from == 1 && to == 255) {
            return field + " != 0";
        }
        return "(" + field + " >= " + from + " and " + field + " <= " + to + ")";
    }
}
