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
            h.engine.receive("em0", advert(c, 1), t += S);
            h.engine.receive("em0", advert(c, 1), t += MS); // even an exact repeat: no sequence, no verdict
        }
        assertEquals(0, h.engine.stats().drops(DropReason.REPLAY));
        assertEquals(CarpState.BACKUP, h.state("carp0"));
    }

    @Test
    void aRestartedPeerIsTrustedAgainAfterThreeAdvertsOfItsNewSequence() {
        SimLab lab = new SimLab(23);
        SimLab.Host h = lab.host("h").nic("em0", "lan", "172.16.0.2/24").sysctl("replay", 1)
                .carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
        long t = 0;
        long base = 0x7000_0000_0000_0000L;
        for (int i = 0; i < 5; i++) {
            h.engine.receive("em0", advert(base + i, 1), t += S);
        }
        assertEquals(0, h.engine.stats().drops(DropReason.REPLAY));
        h.engine.receive("em0", advert(base + 2, 1), t += S); // a replay of a recent one
        assertEquals(1, h.engine.stats().drops(DropReason.REPLAY));
        long restart = 0x1000L; // the peer restarted and drew a low random start
        h.engine.receive("em0", advert(restart, 1), t += S);
        h.engine.receive("em0", advert(restart + 1, 1), t += S);
        assertEquals(3, h.engine.stats().drops(DropReason.REPLAY), "not yet trusted");
        h.engine.receive("em0", advert(restart + 2, 1), t += S);
        h.engine.receive("em0", advert(restart + 3, 1), t += S);
        assertEquals(3, h.engine.stats().drops(DropReason.REPLAY), "its new sequence is accepted from the third advert");
        assertEquals(CarpState.BACKUP, h.state("carp0"), "the master-down timer kept being restarted");
    }
}
