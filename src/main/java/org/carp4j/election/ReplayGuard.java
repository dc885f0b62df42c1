package org.carp4j.election;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * net.inet.carp.replay: drops a replayed advert from a peer whose counters are known to increase.
 * Nothing in CARP forbids a counter from repeating (ucarp sends random ones until it hears a peer),
 * so a peer is trusted to count only once it has been seen counting: three adverts in a row, each a
 * small step above the one before. From then on an advert that does not move its counter forward
 * is a replay. A restarted peer begins again somewhere far away in the 64-bit counter space; three
 * consecutive adverts there are accepted as its new sequence, which replaying recent captures
 * (all just below the current counter) cannot imitate.
 */
final class ReplayGuard {
    /** Largest step that still counts as "counting" (a peer follows ours, or sends +1). */
    static final long SMALL_STEP = 1000;
    /** How far below the current counter a restarted peer's new sequence must lie. */
    static final long FAR = 1L << 32;
    static final int TO_ESTABLISH = 2; // small steps, i.e. three adverts
    static final int TO_RESTART = 3;

    private static final class Peer {
        long last;
        int steps;
        boolean established;
        long restartLast;
        int restartRun;
    }

    private final Map<InetAddress, Peer> peers = new HashMap<>();

    /** True if an authenticated advert with this counter from src may be processed. */
    boolean accept(InetAddress src, long counter) {
        Peer p = peers.get(src);
        if (p == null) {
            p = new Peer();
            p.last = counter;
            peers.put(src, p);
            return true;
        }
        if (!p.established) {
            long step = counter - p.last;
            p.steps = step > 0 && step <= SMALL_STEP ? p.steps + 1 : 0;
            p.established = p.steps >= TO_ESTABLISH;
            p.last = counter;
            return true;
        }
        if (counter - p.last > 0) { // forward (modulo 2^64, within half the space)
            p.last = counter;
            p.restartRun = 0;
            return true;
        }
        if (Long.compareUnsigned(p.last - counter, FAR) > 0) {
            long step = counter - p.restartLast;
            p.restartRun = p.restartRun > 0 && step > 0 && step <= SMALL_STEP ? p.restartRun + 1 : 1;
            p.restartLast = counter;
            if (p.restartRun >= TO_RESTART) {
                p.last = counter;
                p.restartRun = 0;
                return true;
            }
        }
        return false;
    }
}
