package org.carp4j.election;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.carp4j.codec.MacAddress;

/**
 * The Ethernet addresses of unicast peers (carppeer). We build our frames ourselves, so we also
 * resolve the peer ourselves, as the kernel would: an ARP request every second until the peer
 * answers, then one every {@link #REFRESH}; any ARP frame the peer sends (a reply, or its own
 * request for us) updates the entry at once, so a replaced peer box is heard within its first
 * advert. Until a peer is resolved its adverts go to Ethernet broadcast rather than nowhere.
 */
final class Neighbours {
    static final long RETRY = Interval.SECOND;
    static final long REFRESH = 30 * Interval.SECOND;

    record Peer(String carpdev, InetAddress address) {
    }

    private static final class Entry {
        MacAddress mac;
        long probeDue;
        /** Probes sent since the peer last answered, while it has never answered. */
        int unanswered;
    }

    private final Map<Peer, Entry> entries = new LinkedHashMap<>();

    /** Keeps exactly these peers; a new one is probed at once, a known one keeps what it learned. */
    void want(Set<Peer> peers, long now) {
        entries.keySet().retainAll(peers);
        for (Peer p : peers) {
            entries.computeIfAbsent(p, k -> {
                Entry e = new Entry();
                e.probeDue = now;
                return e;
            });
        }
    }

    /** The peer's MAC, or null while it is unresolved. */
    MacAddress mac(String carpdev, InetAddress address) {
        Entry e = entries.get(new Peer(carpdev, address));
        return e == null ? null : e.mac;
    }

    /** An ARP frame from address seen on carpdev; true if it told us something new. */
    boolean heard(String carpdev, InetAddress address, MacAddress mac, long now) {
        Entry e = entries.get(new Peer(carpdev, address));
        if (e == null || mac.equals(MacAddress.ZERO)) {
            return false;
        }
        boolean changed = !mac.equals(e.mac);
        e.mac = mac;
        e.probeDue = now + REFRESH;
        e.unanswered = 0;
        return changed;
    }

    /**
     * Peers whose probe is due, each with how many probes before this one went unanswered while it
     * was unresolved; each is rescheduled as if the probe went out now.
     */
    Map<Peer, Integer> due(long now) {
        Map<Peer, Integer> out = new LinkedHashMap<>();
        entries.forEach((p, e) -> {
            if (e.probeDue <= now) {
                out.put(p, e.mac == null ? e.unanswered++ : 0);
                e.probeDue = now + (e.mac == null ? RETRY : REFRESH);
            }
        });
        return out;
    }

    /** True if the peer has answered at least once. */
    boolean resolved(Peer p) {
        Entry e = entries.get(p);
        return e != null && e.mac != null;
    }

    long nextDeadline() {
        long d = Long.MAX_VALUE;
        for (Entry e : entries.values()) {
            d = Math.min(d, e.probeDue);
        }
        return d;
    }
}
