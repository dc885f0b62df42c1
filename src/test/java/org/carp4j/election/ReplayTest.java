package org.carp4j.election;

import static org.carp4j.election.SimLab.MS;
import static org.carp4j.election.SimLab.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.CarpHmac;
import org.carp4j.codec.DropReason;
import org.carp4j.codec.FrameCodec;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.VipAddress;
import org.junit.jupiter.api.Test;

/** net.inet.carp.replay: an attacker replays a captured bow-out advert to steal the address. */
class ReplayTest {

    /** fw1 is master; fw1 went down once (its 255/255 advert is "captured"), then came back. */
    private static SimLab scene(int replay) {
        SimLab lab = new SimLab(21);
        lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").sysctl("replay", replay).sysctl("preempt", 1)
                .carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
        lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").sysctl("replay", replay)
                .carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
        lab.runUntil(10 * S);
        lab.host("fw1").down("carp0");
        lab.runFor(2 * S);
        lab.host("fw1").up("carp0");
        lab.runFor(10 * S);
        assertEquals(List.of("fw1"), lab.masters("carp0"));
        return lab;
    }

    private static byte[] capturedBowOut(SimLab lab) {
        return lab.trace().stream().filter(e -> e.host().equals("fw1") && e.action() instanceof Action.SendFrame f
                        && f.kind() == Action.FrameKind.ADVERT && decode(f.frame()).carp().advbase() == 255)
                .map(e -> ((Action.SendFrame) e.action()).frame()).findFirst().orElseThrow();
    }

    private static AdvertFrame decode(byte[] f) {
        try {
            return FrameCodec.decode(f);
        } catch (org.carp4j.codec.DecodeException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void withoutProtectionAReplayedBowOutStealsTheAddress() {
        SimLab lab = scene(0);
        SimLab.Host fw2 = lab.host("fw2");
        fw2.engine.receive("em0", capturedBowOut(lab), lab.now());
        assertEquals(CarpState.MASTER, fw2.state("carp0"), "the attack works on plain CARP (BSD, ucarp)");
    }

    @Test
    void withProtectionTheReplayIsDroppedAndCounted() {
        SimLab lab = scene(1);
        SimLab.Host fw2 = lab.host("fw2");
        var counters = lab.adverts("fw1", "carp0").stream().map(a -> a.carp().counter()).toList();
        for (int i = 1; i < counters.size(); i++) {
            assertTrue(counters.get(i) - counters.get(i - 1) > 0, "our counters only increase: " + counters);
        }
        List<Action> out = fw2.engine.receive("em0", capturedBowOut(lab), lab.now());
        assertTrue(out.isEmpty(), out.toString());
        assertEquals(1, fw2.engine.stats().drops(DropReason.REPLAY));
        assertEquals(CarpState.BACKUP, fw2.state("carp0"));
        lab.runFor(30 * S);
        assertEquals(List.of("fw1"), lab.masters("carp0"), "and the real adverts keep flowing");
        assertEquals(1, fw2.engine.stats().drops(DropReason.REPLAY));
    }

    /** Adverts as a peer would send them, authenticated, with chosen counters. */
    private static byte[] advert(long counter, int advbase) {
        byte[] hmac = CarpHmac.compute("pw".getBytes(), 1, List.of(VipAddress.Inet.parseLiteral("172.16.0.100")),
                ByteBuffer.allocate(8).putLong(counter).array());
        return FrameCodec.encode(new AdvertFrame(MacAddress.CARP_GROUP_V4, MacAddress.parse("00:00:5e:00:00:01"),
                VipAddress.Inet.parseLiteral("172.16.0.9"), VipAddress.Inet.parseLiteral("224.0.0.18"), 255, 0x10, 1,
                CarpHeader.advertisement(1, advbase, 0, 0, counter, hmac)));
    }

    @Test
    void ucarpsRandomCountersAreNeverTakenForASequence() {
        SimLab lab = new SimLab(22);
        SimLab.Host h = lab.host("h").nic("em0", "lan", "172.16.0.2/24").sysctl("replay", 1)
                .carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
        Random r = new Random(5);
        long t = 0;
        for (int i = 0; i < 500; i++) {
            long c = r.nextLong();
            lab.runUntil(t += S); // the timers run: a dropped advert would let the master-down timer fire
            h.run(h.engine.receive("em0", advert(c, 1), lab.now()));
            lab.runUntil(t += MS);
            h.run(h.engine.receive("em0", advert(c, 1), lab.now())); // even an exact repeat: no sequence, no verdict
        }
        assertEquals(0, h.engine.stats().drops(DropReason.REPLAY));
        assertEquals(CarpState.BACKUP, h.state("carp0"));
        assertEquals(1, lab.transitions("h", "carp0").size(), "INIT -> BACKUP only, in 500 s");
    }

    @Test
    void aRestartedPeerIsTrustedAgainAfterThreeAdvertsOfItsNewSequence() {
        SimLab lab = new SimLab(23);
        SimLab.Host h = lab.host("h").nic("em0", "lan", "172.16.0.2/24").sysctl("replay", 1)
                .carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
        long base = 0x7000_0000_0000_0000L;
        for (int i = 0; i < 5; i++) { // at 1..5 s
            receive(lab, h, (i + 1) * S, advert(base + i, 1));
        }
        assertEquals(0, h.engine.stats().drops(DropReason.REPLAY));
        receive(lab, h, 6 * S, advert(base + 2, 1)); // a replay of a recent one
        assertEquals(1, h.engine.stats().drops(DropReason.REPLAY));
        long restart = 0x1000L; // the peer restarted and drew a low random start
        receive(lab, h, 7 * S, advert(restart, 1));
        receive(lab, h, 8 * S, advert(restart + 1, 1));
        assertEquals(3, h.engine.stats().drops(DropReason.REPLAY), "not yet trusted");
        // the last accepted advert came at 5 s; master-down = 3 x (1 + 100/256) s = 4.171875 s (PROTOCOL.md
        // §0/§3.1) runs out at 9.171875 s, so the third advert of the new sequence, at 9 s, is just in time
        receive(lab, h, 9 * S, advert(restart + 2, 1));
        receive(lab, h, 10 * S, advert(restart + 3, 1));
        assertEquals(3, h.engine.stats().drops(DropReason.REPLAY), "its new sequence is accepted from the third advert");
        assertEquals(CarpState.BACKUP, h.state("carp0"), "the master-down timer kept being restarted");
        assertEquals(14_171_875_000L, h.engine.nextDeadline(), "restarted by the advert at 10 s: 10 + 4.171875 s");
        lab.runUntil(15 * S);
        assertEquals(CarpState.MASTER, h.state("carp0"), "and it does run: silence after 10 s is a dead master");
        assertEquals(14_171_875_000L, lab.transitions("h", "carp0").get(1).at());
    }

    /** An advert reaches h at time t, with the lab's timers run up to then. */
    private static void receive(SimLab lab, SimLab.Host h, long t, byte[] frame) {
        lab.runUntil(t);
        h.run(h.engine.receive("em0", frame, lab.now()));
    }

    /** The capture with its IP source rewritten: the HMAC does not cover the source. */
    private static byte[] fromSource(byte[] frame, String src) {
        AdvertFrame f = decode(frame);
        return FrameCodec.encode(new AdvertFrame(f.dstMac(), f.srcMac(), VipAddress.Inet.parseLiteral(src), f.dst(),
                f.ttl(), f.tos(), f.ipId(), f.carp()));
    }

    /** Issue 13 item 1: the guard is keyed by the virtual host, not by the unauthenticated IP source. */
    @Test
    void aReplayedBowOutFromTenThousandSpoofedSourcesIsDroppedEveryTime() {
        SimLab lab = scene(1);
        SimLab.Host fw2 = lab.host("fw2");
        byte[] bowOut = capturedBowOut(lab);
        for (int i = 0; i < 10_000; i++) {
            String src = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
            fw2.engine.receive("em0", fromSource(bowOut, src), lab.now() + i * 1000L);
        }
        assertEquals(10_000, fw2.engine.stats().drops(DropReason.REPLAY));
        assertEquals(CarpState.BACKUP, fw2.state("carp0"));
        lab.runFor(10 * S);
        assertEquals(List.of("fw1"), lab.masters("carp0"));
    }

    /**
     * Issue 13 item 3: ucarp and FreeBSD count from the first advert they hear, and after a quick
     * restart send random counters again for as long as they hear nobody (a silent backup). The
     * restarted peer was silent for at least its own master-down (3 s here): that, and a counter
     * far from the old sequence, is a restart, not a replay.
     */
    @Test
    void aCountingPeerThatRestartsAndSendsRandomCountersNeverCausesATakeover() {
        SimLab lab = new SimLab(24);
        SimLab.Host h = lab.host("h").nic("em0", "lan", "172.16.0.2/24").sysctl("replay", 1)
                .carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
        Random r = new Random(9);
        long t = 0;
        for (int restart = 0; restart < 20; restart++) {
            long base = r.nextLong();
            for (int i = 0; i < 10; i++) { // counting: established
                lab.runUntil(t += S);
                h.run(h.engine.receive("em0", Forge.advert("172.16.0.9", 1, 0, 0, base + i), lab.now()));
            }
            // killed and restarted: silent for its master-down (3 s) and a bit; the first random
            // advert comes 3.2 s after the last counting one, before our own 4.171875 s run out
            t += 2 * S + 200 * MS;
            for (int i = 0; i < 10; i++) { // random counters: it hears nobody
                lab.runUntil(t += S);
                h.run(h.engine.receive("em0", Forge.advert("172.16.0.9", 1, 0, 0, r.nextLong()), lab.now()));
            }
        }
        long takeovers = lab.transitions("h", "carp0").stream()
                .filter(e -> ((Action.StateChange) e.action()).to() == CarpState.MASTER).count();
        assertEquals(0, takeovers, "spurious takeovers in 20 restarts");
        assertEquals(CarpState.BACKUP, h.state("carp0"));
    }

    /** Silence shorter than the peer's master-down is no restart: a replay then is still dropped. */
    @Test
    void aFarCounterWithoutTheSilenceOfARestartIsStillAReplay() {
        SimLab lab = new SimLab(25);
        SimLab.Host h = lab.host("h").nic("em0", "lan", "172.16.0.2/24").sysctl("replay", 1)
                .carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
        long old = 0x1234L; // a bow-out captured from an earlier life of the peer
        byte[] oldBowOut = Forge.advert("172.16.0.9", 255, 255, 0, old);
        long base = 0x7000_0000_0000_0000L;
        for (int i = 0; i < 5; i++) {
            h.engine.receive("em0", Forge.advert("172.16.0.9", 1, 0, 0, base + i), (i + 1) * S);
        }
        h.engine.receive("em0", oldBowOut, 5 * S + 500 * MS);
        assertEquals(1, h.engine.stats().drops(DropReason.REPLAY));
        assertEquals(CarpState.BACKUP, h.state("carp0"));
    }
}
