package org.carp4j.config;

import java.util.List;

/**
 * The net.inet.carp.* knobs (PROTOCOL.md §0, §4).
 *
 * @param allow      1: accept incoming adverts; 0: ignore them
 * @param preempt    1: a better backup takes over, and a dead carpdev fails the whole host over
 * @param log        0: state changes; 1: also dropped packets; 2: also accepted adverts
 * @param arpbalance 1: share one address between vhids, ARP answered by requester IP modulo count
 * @param replay     1: send increasing counters and drop replayed adverts from established peers
 * @param garprefresh seconds between a master's periodic gratuitous ARP / NA; 0: only on takeover
 * @param strictauth 1: the HMAC also covers advbase, advskew and demote (carp4j-only groups)
 */
public record Sysctls(int allow, int preempt, int log, int arpbalance, int replay, int garprefresh, int strictauth) {
    public static final Sysctls DEFAULTS = new Sysctls(SysctlVar.ALLOW.defaultValue(), SysctlVar.PREEMPT.defaultValue(),
            SysctlVar.LOG.defaultValue(), SysctlVar.ARPBALANCE.defaultValue(), SysctlVar.REPLAY.defaultValue(),
            SysctlVar.GARPREFRESH.defaultValue(), SysctlVar.STRICTAUTH.defaultValue());
    /** The names under net.inet.carp, in the order sysctl -a and the state file list them. */
    public static final List<String> NAMES = SysctlVar.shortNames();

    public Sysctls(int allow, int preempt, int log, int arpbalance) {
        this(allow, preempt, log, arpbalance, 0, 0, 0);
    }

    public Sysctls(int allow, int preempt, int log, int arpbalance, int replay, int garprefresh) {
        this(allow, preempt, log, arpbalance, replay, garprefresh, 0);
    }

    public Sysctls with(String shortName, int value) {
        return switch (variable(shortName)) {
            case ALLOW -> new Sysctls(value, preempt, log, arpbalance, replay, garprefresh, strictauth);
            case PREEMPT -> new Sysctls(allow, value, log, arpbalance, replay, garprefresh, strictauth);
            case LOG -> new Sysctls(allow, preempt, value, arpbalance, replay, garprefresh, strictauth);
            case ARPBALANCE -> new Sysctls(allow, preempt, log, value, replay, garprefresh, strictauth);
            case REPLAY -> new Sysctls(allow, preempt, log, arpbalance, value, garprefresh, strictauth);
            case GARPREFRESH -> new Sysctls(allow, preempt, log, arpbalance, replay, value, strictauth);
            case STRICTAUTH -> new Sysctls(allow, preempt, log, arpbalance, replay, garprefresh, value);
        };
    }

    public int get(String shortName) {
        return switch (variable(shortName)) {
            case ALLOW -> allow;
            case PREEMPT -> preempt;
            case LOG -> log;
            case ARPBALANCE -> arpbalance;
            case REPLAY -> replay;
            case GARPREFRESH -> garprefresh;
            case STRICTAUTH -> strictauth;
        };
    }

    private static SysctlVar variable(String shortName) {
        return SysctlVar.find(shortName).orElseThrow(() -> new IllegalArgumentException("unknown sysctl " + shortName));
    }
}
