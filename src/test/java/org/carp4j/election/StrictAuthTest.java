package org.carp4j.election;

import static org.carp4j.election.CarpState.BACKUP;
import static org.carp4j.election.CarpState.MASTER;
import static org.carp4j.election.SimLab.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.CarpHmac;
import org.carp4j.codec.DropReason;
import org.carp4j.codec.FrameCodec;
import org.carp4j.config.VipAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * net.inet.carp.strictauth: the HMAC also covers advbase, advskew and demote, so an advert
 * captured from the group cannot be rewritten to win (or lose) an election. Off, the fields are
 * open as in every BSD and ucarp.
 */
class StrictAuthTest {
    /** fw1 (advskew 50) MASTER and fw2 (advskew 100) BACKUP; mallory, on the segment, captured fw1's adverts. */
    private static SimLab pair(int strictauth) {
        SimLab lab = new SimLab(11);
        for (String[] h : new String[][] {{"fw1", "10.0.0.2", "50"}, {"fw2", "10.0.0.3", "100"}}) {
            lab.host(h[0]).nic("em0", "lan", h[1] + "/24").sysctl("strictauth", strictauth)
                    .carp("carp0", 1, "lanpasswd", "em0", Integer.parseInt(h[2]), "10.0.0.1/24");
        }
        lab.host("mallory").nic("em0", "lan", "10.0.0.66/24");
        lab.runUntil(10 * S);
        assertEquals(List.of("fw1"), lab.masters("carp0"));
        return lab;
    }

    /**
     * One of fw1's earlier adverts (not the latest: its counter would be dropped as our own loop)
     * with one field rewritten and sent from mallory's address, checksums fixed.
     */
    private static byte[] forged(SimLab lab, String field, int value) {
        List<AdvertFrame> all = lab.adverts("fw1", "carp0");
        AdvertFrame a = all.get(all.size() - 3);
        CarpHeader h = a.carp();
        CarpHeader f = CarpHeader.advertisement(h.vhid(), field.equals("advbase") ? value : h.advbase(),
                field.equals("advskew") ? value : h.advskew(), field.equals("demote") ? value : h.demote(),
                h.counter(), h.hmac());
        return FrameCodec.encode(new AdvertFrame(a.dstMac(), a.srcMac(), VipAddress.Inet.parseLiteral("10.0.0.66"),
                a.dst(), a.ttl(), a.tos(), a.ipId(), f));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "advskew, 0,   fw1, the master steps down before a more frequent master",
        "advbase, 255, fw2, the backup takes over from a master that will time out",
        "demote,  255, fw2, the backup takes over from a more demoted master",
    })
    void onARewrittenFieldIsDroppedAsBadAuthentication(String field, int value, String target, String what) {
        SimLab lab = pair(1);
        long before = lab.host(target).engine.stats().drops(DropReason.BAD_AUTH);
        lab.inject(lab.host("mallory"), "em0", forged(lab, field, value));
        lab.runFor(100 * SimLab.MS);
        assertEquals(before + 1, lab.host(target).engine.stats().drops(DropReason.BAD_AUTH));
        assertEquals(List.of("fw1"), lab.masters("carp0"), "not: " + what);
        lab.runFor(10 * S);
        assertEquals(List.of("fw1"), lab.masters("carp0"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "advskew, 0,   fw1, MASTER -> BACKUP",
        "advbase, 255, fw2, BACKUP -> MASTER",
        "demote,  255, fw2, BACKUP -> MASTER",
    })
    void offTheSameForgeryMovesTheMasterAsOnTheBsds(String field, int value, String target, String change) {
        SimLab lab = pair(0);
        lab.inject(lab.host("mallory"), "em0", forged(lab, field, value));
        lab.runFor(100 * SimLab.MS);
        assertEquals(0, lab.host(target).engine.stats().drops(DropReason.BAD_AUTH));
        assertTrue(lab.transitionsSince(10 * S).stream().anyMatch(e -> e.host().equals(target)),
                target + " changed state: " + change);
    }

    @Test
    void theDigestIsTheBsdMessageFollowedByAdvbaseAdvskewAndDemote() {
        SimLab lab = pair(1);
        AdvertFrame a = lab.adverts("fw1", "carp0").get(lab.adverts("fw1", "carp0").size() - 1);
        CarpHeader h = a.carp();
        byte[] message = CarpHmac.message(1, List.of(VipAddress.Inet.parseLiteral("10.0.0.1")), h.counterBytes(),
                CarpHmac.Variant.ALL_ADDRESSES);
        byte[] strict = java.util.Arrays.copyOf(message, message.length + 3);
        strict[message.length] = 1;      // advbase
        strict[message.length + 1] = 50; // advskew
        strict[message.length + 2] = 0;  // demote
        assertEquals(org.carp4j.testing.Hex.of(hmacSha1("lanpasswd".getBytes(), strict)),
                org.carp4j.testing.Hex.of(h.hmac()));
    }

    private static byte[] hmacSha1(byte[] key, byte[] message) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA1"));
            return mac.doFinal(message);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aStrictHostAndAnOrdinaryOneDoNotHearEachOther() {
        SimLab lab = new SimLab(12);
        var fw1 = lab.host("fw1").nic("em0", "lan", "10.0.0.2/24").sysctl("strictauth", 1)
                .carp("carp0", 1, "lanpasswd", "em0", 0, "10.0.0.1/24");
        var fw2 = lab.host("fw2").nic("em0", "lan", "10.0.0.3/24")
                .carp("carp0", 1, "lanpasswd", "em0", 100, "10.0.0.1/24");
        lab.runUntil(10 * S);
        assertEquals(MASTER, fw1.state("carp0"));
        assertEquals(MASTER, fw2.state("carp0"), "not interoperable: every host of the group needs it");
        assertTrue(fw2.engine.stats().drops(DropReason.BAD_AUTH) > 0);
        fw2.sysctl("strictauth", 1);
        lab.runFor(5 * S);
        assertEquals(BACKUP, fw2.state("carp0"));
    }
}
