package org.carp4j.election;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.carp4j.codec.Announcements;
import org.carp4j.codec.MacAddress;

/**
 * The Ethernet addresses of unicast peers (carppeer). We build our frames ourselves, so we also
 * resolve the peer ourselves: an ARP request every second until the peer answers, then one every
 * {@link #REFRESH}. Until a peer is resolved its adverts go to Ethernet broadcast rather than nowhere.
 *
 * <p>Anyone on the segment can send ARP, so only an answer to our own outstanding request counts: a
 * reply whose sender is the peer, whose target is the address and MAC we asked from, heard within
 * {@link #WINDOW} of asking. Any other ARP frame from the peer's address that names another MAC (a
 * request, a gratuitous or unsolicited reply) only makes us ask at once (at most once per window).
 * A known MAC is replaced only when the new one answers two requests in a row and the known one
 * answers neither; when two MACs answer one request, we keep what we had before it (broadcast if
 * nothing) and say so.
 */
final class Neighbours {
    static final long RETRY = Interval.SECOND;
    static final long REFRESH = 30 * Interval.SECOND;
    /** How long after a request its answers count: a LAN answers in milliseconds. */
    static final long WINDOW = Interval.SECOND;
    private static final long NEVER = Long.MIN_VALUE;

    record Peer(String carpdev, InetAddress address) {
    }

    /** What an ARP frame did: nothing, taught us the peer's MAC, or contradicted itself. */
    enum Outcome { NOTHING, LEARNED, CONFLICT, ASK }

    /** For CONFLICT: the MAC kept (null: none, broadcast) and the two that answered one request. */
    record Heard(Outcome outcome, Peer peer, MacAddress mac, MacAddress first, MacAddress second) {
        static final Heard NOTHING = new Heard(Outcome.NOTHING, null, null, null, null);
    }

    private static final class Entry {
        MacAddress mac;
        long probeDue;
        /** Probes sent since the peer last answered, while it has never answered. */
        int unanswered;
        /** The outstanding request: when, from which address and MAC, and what we knew then. */
        long askedAt = NEVER;
        InetAddress askedFrom;
        MacAddress askedBy;
        MacAddress macBefore;
        /** The first MAC that answered it, and whether a second one did too. */
        MacAddress answer;
        boolean conflict;
        /** A MAC other than the known one that answered the previous request, to be confirmed. */
        MacAddress candidate;

        boolean outstanding(long now) {
            return askedAt != NEVER && now - askedAt <= WINDOW;
        }
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

    /** We sent an ARP request for p from ownIp and ownMac: its answers count for the next {@link #WINDOW}. */
    void asked(Peer p, InetAddress ownIp, MacAddress ownMac, long now) {
        Entry e = entries.get(p);
        if (e == null) {
            return;
        }
        e.askedAt = now;
        e.askedFrom = ownIp;
        e.askedBy = ownMac;
        e.macBefore = e.mac;
        e.answer = null;
        e.conflict = false;
    }

    /** An ARP frame seen on carpdev. */
    Heard heard(String carpdev, Announcements.Arp arp, long now) {
        Peer p = new Peer(carpdev, arp.senderIp());
        Entry e = entries.get(p);
        MacAddress mac = arp.senderMac();
        if (e == null || mac.equals(MacAddress.ZERO) || mac.equals(MacAddress.BROADCAST)) {
            return Heard.NOTHING;
        }
        boolean solicited = !arp.request() && e.outstanding(now) && arp.targetIp().equals(e.askedFrom)
                && arp.targetMac().equals(e.askedBy);
        if (!solicited) {
            if (!mac.equals(e.mac) && !e.outstanding(now)) {
                e.probeDue = now; // news or a lie: ask the peer rather than believe it
                return new Heard(Outcome.ASK, p, null, null, null);
            }
            return Heard.NOTHING;
        }
        if (e.conflict || mac.equals(e.answer)) {
            return Heard.NOTHING;
        }
        e.unanswered = 0;
        if (e.answer != null) {
            // two MACs answered one request: someone lies, and we cannot tell who; keep what we had
            e.conflict = true;
            e.mac = e.macBefore;
            e.candidate = null;
            if (e.mac == null) {
                e.probeDue = e.askedAt + RETRY;
            }
            return new Heard(Outcome.CONFLICT, p, e.mac, e.answer, mac);
        }
        e.answer = mac;
        if (e.mac == null || mac.equals(e.candidate)) {
            e.mac = mac;
            e.candidate = null;
            e.probeDue = now + REFRESH;
            return new Heard(Outcome.LEARNED, p, mac, null, null);
        }
        if (mac.equals(e.mac)) {
            e.candidate = null;
            e.probeDue = now + REFRESH;
            return Heard.NOTHING;
        }
        e.candidate = mac; // a replaced box, or a liar: believe it only if it answers the next request too
        e.probeDue = e.askedAt + WINDOW;
        return Heard.NOTHING;
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
