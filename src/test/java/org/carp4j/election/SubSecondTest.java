package org.carp4j.election;

import static org.carp4j.election.CarpState.BACKUP;
import static org.carp4j.election.CarpState.INIT;
import static org.carp4j.election.CarpState.MASTER;
import static org.carp4j.election.SimLab.MS;
import static org.carp4j.election.SimLab.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.Action.StateChange;
import org.junit.jupiter.api.Test;

/**
 * OpenBSD's advbase 0 (PROTOCOL.md §0, §3): the interval is advskew/256 s alone, so advskew 8 advertises
 * every 31.25 ms and its master-down is 93.75 ms; advskew 12 every 46.875 ms, master-down 140.625 ms.
 * Times below are written out in nanoseconds (1/256 s = 3,906,250 ns); the wire delay is 1 ms.
 */
class SubSecondTest {
    private static final String VIP = "172.16.0.100/24";
    /** 8/256 s and 12/256 s. */
    private static final long SKEW8 = 31_250_000L;
    private static final long SKEW12 = 46_875_000L;

    private static VhostConfig subSecond(int advskew) {
        return new VhostConfig("carp0", 1, "pw", "em0", 0, advskew, List.of(VipAddress.parse(VIP)), true);
    }

    private static String why(SimLab.Entry e) {
        StateChange sc = (StateChange) e.action();
        return sc.from() + " -> " + sc.to() + " (" + sc.why() + ")";
    }

    private static List<Long> advertTimes(SimLab lab, String host, long from, long to) {
        return lab.trace().stream().filter(e -> e.host().equals(host) && e.at() >= from && e.at() < to
                && e.action() instanceof Action.SendFrame f && f.kind() == Action.FrameKind.ADVERT)
                .map(SimLab.Entry::at).toList();
    }

    @Test
    void skew8BeatsSkew12AndAdvertisesEvery31Point25Ms() {
        SimLab lab = new SimLab(140);
        var fw1 = lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").set(subSecond(8));
        var fw2 = lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").set(subSecond(12));
        lab.runUntil(2 * S);

        assertEquals(List.of("fw1"), lab.masters("carp0"));
        assertEquals(List.of("fw1"), lab.holders(VIP));
        assertEquals(BACKUP, fw2.state("carp0"));
        var t = lab.transitions("fw1", "carp0");
        assertEquals("BACKUP -> MASTER (master timed out)", why(t.get(1)));
        assertEquals(93_750_000L, t.get(1).at(), "3 x 8/256 s after coming up");
        assertEquals(1, lab.transitions("fw2", "carp0").size(), "fw2 never moved from BACKUP");
        var a = lab.adverts("fw1", "carp0").get(0).carp();
        assertEquals(0, a.advbase());
        assertEquals(8, a.advskew());
        // from 93.75 ms on, one advert every 31.25 ms exactly: 93.75, 125, 156.25, 187.5 ...
        assertEquals(List.of(93_750_000L, 125_000_000L, 156_250_000L, 187_500_000L),
                advertTimes(lab, "fw1", 0, 200 * MS));
        assertEquals(32, advertTimes(lab, "fw1", S, 2 * S).size(), "32 adverts a second");
    }

    /** The backup's master-down is 3 x its own interval: 140.625 ms at advskew 12, 93.75 ms at advskew 8. */
    @Test
    void failoverComesExactlyOneMasterDownAfterTheLastAdvert() {
        SimLab lab = new SimLab(141);
        lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").set(subSecond(8));
        var fw2 = lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").set(subSecond(12));
        lab.runUntil(S + 10 * MS);
        lab.host("fw1").cut("em0");
        long last = lab.lastAdvert("fw1", "carp0");
        assertEquals(1_000_000_000L, last);
        lab.runFor(S);
        var t = lab.transitions("fw2", "carp0");
        assertEquals("BACKUP -> MASTER (master timed out)", why(t.get(1)));
        assertEquals(1_000_000_000L + 1_000_000L + 140_625_000L, t.get(1).at());
        assertEquals(List.of("fw2"), lab.holders(VIP));
    }

    /** Without preempt the skew-12 node may be master first; the skew-8 backup then waits 3 x 8/256 s. */
    @Test
    void aSkew8BackupTakesOverAfter93Point75Ms() {
        SimLab lab = new SimLab(142);
        lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").set(subSecond(12));
        lab.runUntil(S);
        var fw1 = lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").set(subSecond(8));
        lab.runUntil(2 * S + 20 * MS);
        assertEquals(List.of("fw2"), lab.masters("carp0"), "no preempt: the first master stays");
        lab.host("fw2").cut("em0");
        long last = lab.lastAdvert("fw2", "carp0");
        assertEquals(2_015_625_000L, last, "fw2's adverts: 140.625 ms + k x 46.875 ms");
        lab.runFor(S);
        var t = lab.transitions("fw1", "carp0");
        assertEquals("BACKUP -> MASTER (master timed out)", why(t.get(1)));
        assertEquals(2_015_625_000L + 1_000_000L + 93_750_000L, t.get(1).at());
        assertEquals(MASTER, fw1.state("carp0"));
    }

    /** With preempt the faster (skew 8) node takes over on the first advert it hears; the old master steps down at once. */
    @Test
    void preemptTakesBackWithinOneAdvert() {
        SimLab lab = new SimLab(143);
        var fw2 = lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").set(subSecond(12));
        lab.runUntil(S);
        long joined = lab.now();
        var fw1 = lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").sysctl("preempt", 1).set(subSecond(8));
        lab.runFor(S);
        var t1 = lab.transitions("fw1", "carp0");
        assertEquals("BACKUP -> MASTER (preempting a slower master)", why(t1.get(1)));
        assertTrue(t1.get(1).at() - joined <= SKEW12 + 1_000_000L, "within one of fw2's 46.875 ms intervals");
        var t2 = lab.transitions("fw2", "carp0");
        assertEquals("MASTER -> BACKUP (more frequent advertisement received)", why(t2.get(t2.size() - 1)));
        assertEquals(t1.get(1).at() + 1_000_000L, t2.get(t2.size() - 1).at());
        assertEquals(List.of("fw1"), lab.holders(VIP));
        assertEquals(BACKUP, fw2.state("carp0"));
        assertEquals(MASTER, fw1.state("carp0"));
    }

    /**
     * A bad advert rate: one peer left at advbase 1 beside an advbase-0 node. The sub-second node
     * times the slow master out between its adverts (140.625 ms < 1 s) and wins (its interval is
     * shorter), and it stays the only master: the pair settles, no flapping.
     */
    @Test
    void aPeerAtAdvbase1LosesToTheSubSecondNodeAndThePairSettles() {
        SimLab lab = new SimLab(144);
        var slow = lab.host("slow").nic("em0", "lan", "172.16.0.1/24")
                .set(new VhostConfig("carp0", 1, "pw", "em0", 1, 0, List.of(VipAddress.parse(VIP)), true));
        lab.runUntil(5 * S);
        assertEquals(List.of("slow"), lab.masters("carp0"));
        var fast = lab.host("fast").nic("em0", "lan", "172.16.0.2/24").set(subSecond(12));
        lab.runFor(2 * S);
        assertEquals(List.of("fast"), lab.masters("carp0"));
        assertEquals(List.of("fast"), lab.holders(VIP));
        long settled = lab.now();
        lab.runFor(30 * S);
        assertEquals(List.of(), lab.transitionsSince(settled), "no state change for 30 s");
        assertEquals(BACKUP, slow.state("carp0"));
        assertEquals(MASTER, fast.state("carp0"));
    }

    /**
     * Adverts late by up to two intervals (a busy host) do not move the address: the backup waits
     * three of its own intervals (140.625 ms) since the last advert it heard.
     */
    @Test
    void lateAdvertsBelowTheMasterDownDoNotFailOver() {
        SimLab lab = new SimLab(145);
        lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").set(subSecond(8));
        lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").set(subSecond(12));
        lab.runUntil(S);
        long before = lab.now();
        for (int i = 0; i < 20; i++) {
            lab.delay = i % 2 == 0 ? 100 * MS : MS; // every other advert 100 ms late
            lab.runFor(SKEW8);
        }
        lab.delay = MS;
        lab.runFor(S);
        assertEquals(List.of(), lab.transitionsSince(before));
        assertEquals(List.of("fw1"), lab.masters("carp0"));
    }

    /** advbase 0 skips the "master will time out" rule, as OpenBSD; a bow-out still hands over at once. */
    @Test
    void bowOutAtAdvbase0HandsOverAtOnce() {
        SimLab lab = new SimLab(146);
        var fw1 = lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").set(subSecond(8));
        lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").set(subSecond(12));
        lab.runUntil(S + 5 * MS);
        long down = lab.now();
        fw1.down("carp0");
        lab.runFor(10 * MS);
        var t = lab.transitions("fw2", "carp0");
        assertEquals("BACKUP -> MASTER (master bowed out)", why(t.get(1)));
        assertEquals(down + 1_000_000L, t.get(1).at());
        assertEquals(INIT, fw1.state("carp0"));
    }

    /**
     * net.inet.carp.replay at advbase 0: a capture from an earlier life of the peer (a far counter)
     * is not taken for a restart after one ordinary gap between adverts; only after the peer's
     * master-down of silence (3 x 8/256 s = 93.75 ms).
     */
    @Test
    void replayGuardWaitsASubSecondMasterDownNotOneInterval() {
        ReplayGuard g = new ReplayGuard();
        long far = 1L << 40;
        assertTrue(g.accept(100, 0, 8, 0));
        assertTrue(g.accept(101, 0, 8, SKEW8));
        assertTrue(g.accept(102, 0, 8, 2 * SKEW8));
        assertTrue(g.accept(103, 0, 8, 3 * SKEW8), "counting: established");
        assertEquals(false, g.accept(far, 0, 8, 3 * SKEW8 + 40_000_000L), "40 ms of silence is no restart");
        assertTrue(g.accept(104, 0, 8, 3 * SKEW8 + 45_000_000L));
        assertTrue(g.accept(far, 0, 8, 3 * SKEW8 + 45_000_000L + 93_750_000L), "93.75 ms of silence: restarted");
    }
}
