package org.carp4j.election;

/**
 * Flap damping for one carp interface, as routing daemons damp a flapping route. Every state
 * change an advert causes adds 1 to a penalty that halves every {@link #HALF_LIFE}; at
 * {@link #HOLD} the interface is held (adverts can no longer make it MASTER: the master-down
 * timer and the administrator still can), and it is released once the penalty has decayed below
 * {@link #RELEASE}. Legitimate elections cause one or two such changes; a forged-advert flood
 * (advbase, advskew and demote are not covered by the HMAC) causes one per packet. A forced
 * handover (a bow-out, an administrator's up and the preempt it leads to) is not a flap and is
 * not counted: {@link VirtualHost} decides what counts. Pure: time comes in as a parameter.
 */
final class Damping {
    static final long HALF_LIFE = 30 * Interval.SECOND;
    static final double HOLD = 5;
    static final double RELEASE = 2;

    /** What a call changed, for the caller to log. */
    enum Change { NONE, HELD, RELEASED }

    private double penalty;
    private long at;
    private boolean held;

    /** Records a state change driven by an advert. */
    Change changed(long now) {
        decay(now);
        penalty += 1;
        if (!held && penalty >= HOLD) {
            held = true;
            return Change.HELD;
        }
        return Change.NONE;
    }

    /** Lets the penalty decay to now; RELEASED if that ends a hold. */
    Change tick(long now) {
        decay(now);
        if (held && penalty < RELEASE) {
            held = false;
            return Change.RELEASED;
        }
        return Change.NONE;
    }

    boolean held() {
        return held;
    }

    /** When a hold will end if nothing more happens, or NEVER when not held. */
    long releaseAt() {
        if (!held) {
            return VirtualHost.NEVER;
        }
        double halfLives = Math.log(penalty / RELEASE) / Math.log(2);
        return at + (long) Math.ceil(halfLives * HALF_LIFE) + 1;
    }

    private void decay(long now) {
        if (now > at) {
            penalty *= Math.pow(0.5, (double) (now - at) / HALF_LIFE);
            at = now;
        }
    }
}
