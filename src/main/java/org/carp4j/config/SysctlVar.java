package org.carp4j.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The net.inet.carp.* variables, one constant each (PROTOCOL.md §0, §4): the state file, its check,
 * carpsysctl's grammar, its help and the completion all read this table. It lives in config, not
 * commands, because the state file check needs the ranges and config must not depend on commands.
 */
public enum SysctlVar {
    ALLOW("allow", 1, 0, 1, "1: accept incoming advertisements; 0: ignore them"),
    PREEMPT("preempt", 0, 0, 1, "1: a better backup takes over, and a dead carpdev fails the whole host over"),
    LOG("log", 0, 0, 2, "0: state changes; 1: also dropped packets; 2: also accepted advertisements"),
    ARPBALANCE("arpbalance", 0, 0, 1, "1: share one address between vhids, ARP answered by requester IP modulo count"),
    REPLAY("replay", 0, 0, 1, "1: send increasing counters and drop replayed advertisements"),
    GARPREFRESH("garprefresh", 0, 0, 3600, "seconds between a master's periodic gratuitous ARP / NA; 0: only on takeover"),
    STRICTAUTH("strictauth", 0, 0, 1, "1: the HMAC also covers advbase, advskew and demote (carp4j-only groups)");

    public static final String PREFIX = "net.inet.carp.";

    private final String shortName;
    private final int defaultValue;
    private final int min;
    private final int max;
    private final String help;

    SysctlVar(String shortName, int defaultValue, int min, int max, String help) {
        this.shortName = shortName;
        this.defaultValue = defaultValue;
        this.min = min;
        this.max = max;
        this.help = help;
    }

    public String shortName() {
        return shortName;
    }

    public String fullName() {
        return PREFIX + shortName;
    }

    public int defaultValue() {
        return defaultValue;
    }

    public int min() {
        return min;
    }

    public int max() {
        return max;
    }

    public String help() {
        return help;
    }

    public boolean inRange(long v) {
        return v >= min && v <= max;
    }

    /** The short names, in the order sysctl -a and the state file list them. */
    public static List<String> shortNames() {
        return Arrays.stream(values()).map(SysctlVar::shortName).toList();
    }

    public static Optional<SysctlVar> find(String shortName) {
        return Arrays.stream(values()).filter(v -> v.shortName.equals(shortName)).findFirst();
    }
}
