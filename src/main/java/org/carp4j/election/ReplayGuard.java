package org.carp4j.election;

/**
 * net.inet.carp.replay for one virtual host (vhid on its carpdev): drops a replayed advert from a
 * peer whose counters are known to increase. Keyed by the virtual host, not by the IP source (the
 * HMAC does not cover the source, so a rewritten source must not buy a fresh start), and a fixed
 * handful of fields whatever the traffic.
 *
 * <p>Nothing in CARP forbids a counter from repeating (ucarp sends random ones until it hears a
 * peer), so the peer is trusted to count only once it has been seen counting: three adverts in a
 * row, each a small step above the one before. From then on an advert must move the counter
 * forward (by less than {@link #FAR}); one just behind it is a replay.
 *
 * <p>A peer that restarts (ucarp, FreeBSD) sends random counters again, far from its old sequence,
 * for as long as it hears nobody. It is recognised two ways: its first advert after a silence of
 * at least its own master-down (3·advbase + advskew/256 s, as last advertised; 3·advskew/256 s at
 * advbase 0; a restarted peer starts as BACKUP and must time out before it sends) with a counter
 * far from the old one; or,
 * without that silence, three consecutive adverts of a new far sequence (which replaying recent
 * captures, all just behind the current counter, cannot imitate). Either way the guard starts
 * over and waits to see the peer counting again.
 */
final class ReplayGuard {
    /** Largest step that still counts as "counting" (a peer follows ours, or sends +1). */
    static final long SMALL_STEP = 1000;
    /** Distance from the current counter beyond which a counter belongs to another sequence. */
    static final long FAR = 1L << 32;
    static final int TO_ESTABLISH = 2; // small steps, i.e. three adverts
    static final int TO_RESTART = 3;

    private boolean seen;
    private long last;
    private int steps;
    private boolean established;
    /** When the last authenticated advert arrived, accepted or not: the peer's silence ends there. */
    private long heardAt;
    /** The peer's own master-down, from its last accepted advert other than a bow-out. */
    private long peerMasterDown;
    private long restartLast;
    private int restartRun;

    /** True if an authenticated advert with this counter, advbase and advskew may be processed. */
    boolean accept(long counter, int advbase, int advskew, long now) {
        long silence = now - heardAt;
        heardAt = now;
        if (!seen) {
            startOver(counter, advbase, advskew);
            return true;
        }
        if (!established) {
            long step = counter - last;
            steps = step > 0 && step <= SMALL_STEP ? steps + 1 : 0;
            established = steps >= TO_ESTABLISH;
            last = counter;
            learn(advbase, advskew);
            return true;
        }
        long ahead = counter - last;
        if (ahead > 0 && ahead < FAR) {
            last = counter;
            restartRun = 0;
            learn(advbase, advskew);
            return true;
        }
        boolean far = Long.compareUnsigned(ahead, FAR) >= 0 && Long.compareUnsigned(last - counter, FAR) >= 0;
        if (!far) {
            return false; // at or just behind the current counter: a replay of a recent capture
        }
        if (silence >= peerMasterDown) {
            startOver(counter, advbase, advskew); // the peer was silent long enough to have restarted
            return true;
        }
        long step = counter - restartLast;
        restartRun = restartRun > 0 && step > 0 && step <= SMALL_STEP ? restartRun + 1 : 1;
        restartLast = counter;
        if (restartRun >= TO_RESTART) {
            last = counter;
            restartRun = 0;
            learn(advbase, advskew);
            return true;
        }
        return false;
    }

    private void startOver(long counter, int advbase, int advskew) {
        seen = true;
        last = counter;
        steps = 0;
        established = false;
        restartRun = 0;
        learn(advbase, advskew);
    }

    private void learn(int advbase, int advskew) {
        if (advbase != VirtualHost.BOW_OUT || advskew != VirtualHost.BOW_OUT) {
            // at advbase 0 the skew is the whole interval: OpenBSD's master-down is then 3 x skew/256
            // (one interval, 3·0 + skew/256, would pass for "silence" between two ordinary adverts)
            peerMasterDown = advbase == 0 ? Interval.masterDown(0, advskew)
                    : Interval.DEAD_RATIO * advbase * Interval.SECOND + advskew * Interval.SKEW_UNIT;
        }
    }
}
