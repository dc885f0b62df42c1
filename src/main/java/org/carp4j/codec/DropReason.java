package org.carp4j.codec;

/**
 * Why a received packet was not handed to the state machine. The order of the constants is the
 * order in which the receive path checks them (OpenBSD's carp_input), so the first failing check
 * names the packet's reason.
 */
public enum DropReason {
    NOT_ALLOWED("not allowed", "discarded because net.inet.carp.allow is 0"),
    MALFORMED("malformed", "discarded because not a CARP packet over IPv4/IPv6"),
    BAD_TTL("bad ttl", "discarded for wrong TTL"),
    SHORT("short", "discarded because packet too short"),
    BAD_CHECKSUM("bad checksum", "discarded for bad checksums"),
    UNKNOWN_VHID("unknown vhid", "discarded for unknown vhid"),
    BAD_VERSION("bad version", "discarded packets with a bad version"),
    BAD_AUTH("bad authentication", "discarded for bad authentication"),
    LOOP("own looped packet", "discarded as our own looped packet"),
    REPLAY("replayed advert", "discarded as replays of an established peer's adverts");

    private final String label;
    private final String statsLine;

    DropReason(String label, String statsLine) {
        this.label = label;
        this.statsLine = statsLine;
    }

    /** Short words for log lines: "dropped advert: bad ttl". */
    public String label() {
        return label;
    }

    /** The phrase netstat -s -p carp uses for this counter. */
    public String statsLine() {
        return statsLine;
    }

    /** Name of the read-only sysctl under net.inet.carp.stats. */
    public String statName() {
        return name().toLowerCase().replace("_", "");
    }
}
