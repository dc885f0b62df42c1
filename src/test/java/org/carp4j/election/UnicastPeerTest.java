package org.carp4j.election;

import static org.carp4j.election.CarpState.BACKUP;
import static org.carp4j.election.CarpState.MASTER;
import static org.carp4j.election.SimLab.MS;
import static org.carp4j.election.SimLab.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.codec.Announcements;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.junit.jupiter.api.Test;

/**
 * OpenBSD's carppeer on a segment whose switch drops multicast (a cloud network): adverts go to
 * the peer's address and Ethernet address, which we learn by ARP as the kernel would.
 */
class UnicastPeerTest {
    private static final InetAddress FW1 = VipAddress.Inet.parseLiteral("10.0.0.2");
    private static final InetAddress FW2 = VipAddress.Inet.parseLiteral("10.0.0.3");

    private static VhostConfig carp0(int advskew, InetAddress peer) {
        return new VhostConfig("carp0", 1, "lanpasswd", "em0", 1, advskew,
                List.of(VipAddress.parse("10.0.0.1/24")), true, peer);
    }

    /** The handbook's pair: fw1 (10.0.0.2, advskew 0) and fw2 (10.0.0.3, advskew 100); a null peer means multicast. */
    private static SimLab.Host fw1(SimLab lab, InetAddress peer) {
        return lab.host("fw1").nic("em0", "lan", "10.0.0.2/24").set(carp0(0, peer));
    }

    private static SimLab.Host fw2(SimLab lab, InetAddress peer) {
        return lab.host("fw2").nic("em0", "lan", "10.0.0.3/24").set(carp0(100, peer));
    }

    private static SimLab cloud(long seed) {
        SimLab lab = new SimLab(seed);
        lab.multicastBlocked.add("lan");
        return lab;
    }

    private static List<SimLab.Entry> sent(SimLab lab, String host, Action.FrameKind kind) {
        return lab.trace().stream().filter(e -> e.host().equals(host) && e.action() instanceof Action.SendFrame f
                && f.kind() == kind).toList();
    }

    private static AdvertFrame latestAdvert(SimLab lab, String host) {
        List<AdvertFrame> all = lab.adverts(host, "carp0");
        return all.get(all.size() - 1);
    }

    private static MacAddress mac(SimLab.Host h) {
        return h.devs.get("em0").mac();
    }

    @Test
    void withoutCarppeerABlockedGroupMeansTwoMasters() {
        SimLab lab = cloud(1);
        fw1(lab, null);
        fw2(lab, null);
        lab.runUntil(30 * S);
        assertEquals(List.of("fw1", "fw2"), lab.masters("carp0"), "the reason carppeer exists");
    }

    @Test
    void peersResolveEachOtherAndElectOneMaster() {
        SimLab lab = cloud(2);
        var fw1 = fw1(lab, FW2);
        var fw2 = fw2(lab, FW1);
        lab.runUntil(60 * S);

        assertEquals(MASTER, fw1.state("carp0"));
        assertEquals(BACKUP, fw2.state("carp0"));
        assertEquals(List.of("fw1"), lab.holders("10.0.0.1/24"));
        assertEquals(1, lab.transitions("fw2", "carp0").size(), "fw2 never left BACKUP");
        for (AdvertFrame a : lab.adverts("fw1", "carp0")) {
            assertEquals(FW2, a.dst());
            assertEquals(mac(fw2), a.dstMac());
            assertEquals(MacAddress.virtual(1), a.srcMac());
            assertEquals(255, a.ttl(), "OpenBSD drops a unicast advert whose TTL is not 255");
        }
        // one ARP at start (answered within the wire's round trip), then a refresh every 30 s
        List<Long> probes = sent(lab, "fw1", Action.FrameKind.ARP_REQUEST).stream().map(SimLab.Entry::at).toList();
        assertEquals(List.of(0L, 2 * MS + 30 * S), probes);
        Announcements.Arp probe = Announcements.parseArp(((Action.SendFrame) sent(lab, "fw1",
                Action.FrameKind.ARP_REQUEST).get(0).action()).frame()).orElseThrow();
        assertEquals(new Announcements.Arp(true, mac(fw1), (java.net.Inet4Address) FW1, (java.net.Inet4Address) FW2),
                probe, "from the carpdev's own MAC and address, never the virtual ones");
    }

    @Test
    void theBackupTakesOverWhenTheMasterDiesAndAtOnceWhenItBowsOut() {
        SimLab lab = cloud(3);
        var fw1 = fw1(lab, FW2);
        var fw2 = fw2(lab, FW1);
        lab.runUntil(10 * S);
        fw1.down("carp0");
        lab.runFor(10 * MS);
        assertEquals(List.of("fw2"), lab.masters("carp0"), "the 255/255 bow-out reached fw2 by unicast");

        fw1.up("carp0");
        lab.runFor(20 * S);
        long last = lab.lastAdvert("fw2", "carp0");
        fw2.detach("em0");
        lab.runFor(5 * S);
        assertEquals(MASTER, fw1.state("carp0"));
        // PROTOCOL.md §0/§3.1: fw1's master-down = 3 x (advbase 1 + advskew 0/256) s = 3 s, from the arrival
        // (one 1 ms wire delay after sending) of fw2's last advert
        assertTrue(lab.transitions("fw1", "carp0").stream().anyMatch(e -> e.at() == last + 1 * MS + 3 * S),
                "fw1 took over one master-down interval after fw2's last advert");
    }

    @Test
    void anUnansweredPeerIsProbedEverySecondAndAdvertisedToByBroadcast() {
        SimLab lab = cloud(4);
        var fw1 = fw1(lab, FW2); // fw2 is not there yet
        lab.runUntil(5500 * MS);
        assertEquals(List.of(0L, S, 2 * S, 3 * S, 4 * S, 5 * S),
                sent(lab, "fw1", Action.FrameKind.ARP_REQUEST).stream().map(SimLab.Entry::at).toList());
        assertEquals(MASTER, fw1.state("carp0"));
        // master after 3 x (1 + 0/256) s = 3 s (PROTOCOL.md §3.1), then one advert a second: 3, 4 and 5 s
        assertEquals(3, lab.adverts("fw1", "carp0").size());
        assertTrue(lab.adverts("fw1", "carp0").stream().allMatch(a -> a.dstMac().equals(MacAddress.BROADCAST)
                && a.dst().equals(FW2)), "until it answers, its adverts still go out, to every port");
        List<SimLab.Entry> warnings = lab.trace().stream().filter(e -> e.action() instanceof Action.Log l
                && l.message().contains("does not answer ARP")).toList();
        assertEquals(1, warnings.size(), "said once, not every second");
        assertEquals(3 * S, warnings.get(0).at());
        assertEquals("carppeer 10.0.0.3 does not answer ARP on em0 (is it on this segment?); advertising to it by broadcast",
                ((Action.Log) warnings.get(0).action()).message());
        assertFalse(fw1.engine.peerResolved("carp0"));

        var fw2 = fw2(lab, FW1);
        lab.runFor(10 * S);
        assertEquals(BACKUP, fw2.state("carp0"));
        assertEquals(1, lab.transitions("fw2", "carp0").size(), "fw2 heard fw1 from its first advert");
        AdvertFrame latest = latestAdvert(lab, "fw1");
        assertEquals(mac(fw2), latest.dstMac());
        assertTrue(fw1.engine.peerResolved("carp0"));
    }

    @Test
    void aReplacedPeerIsLearnedFromItsOwnArp() {
        SimLab lab = cloud(5);
        var fw1 = fw1(lab, FW2);
        fw2(lab, FW1);
        lab.runUntil(10 * S);
        // the old fw2 is unplugged; a new box with the same address but another MAC takes its place
        lab.host("fw2").cut("em0");
        var fresh = lab.host("fw2b").nic("em0", "lan", "10.0.0.3/24").set(carp0(100, FW1));
        lab.runFor(10 * S);
        assertEquals(List.of("fw1"), lab.masters("carp0"));
        assertEquals(BACKUP, fresh.state("carp0"));
        assertEquals(1, lab.transitions("fw2b", "carp0").size(), "the new box never became MASTER");
        AdvertFrame latest = latestAdvert(lab, "fw1");
        assertEquals(mac(fresh), latest.dstMac());
    }

    @Test
    void minusCarppeerGoesBackToTheGroupAndStopsProbing() {
        SimLab lab = new SimLab(6);
        var fw1 = fw1(lab, FW2);
        fw2(lab, FW1);
        lab.runUntil(10 * S);
        fw1.set(carp0(0, null));
        long changed = lab.now();
        lab.runFor(120 * S);
        assertTrue(sent(lab, "fw1", Action.FrameKind.ARP_REQUEST).stream().allMatch(e -> e.at() < changed));
        AdvertFrame latest = latestAdvert(lab, "fw1");
        assertEquals(MacAddress.CARP_GROUP_V4, latest.dstMac());
        assertEquals(VipAddress.Inet.parseLiteral("224.0.0.18"), latest.dst());
        assertEquals(List.of("fw1"), lab.masters("carp0"), "fw2 still hears the group");
    }

    // ------------------------------------------------------------- a hostile LAN (issue 13, item 12)

    private static final MacAddress EVIL = MacAddress.parse("02:00:00:00:66:66");

    /** mallory: another box on the segment that forges ARP for fw2's address. */
    private static SimLab.Host mallory(SimLab lab) {
        return lab.host("mallory").nic("em0", "lan", "10.0.0.66/24");
    }

    private static byte[] spoofedReply(SimLab.Host victim) {
        return Announcements.arpReply(EVIL, (java.net.Inet4Address) FW2, mac(victim), (java.net.Inet4Address) FW1);
    }

    private static List<AdvertFrame> advertsSince(SimLab lab, String host, long t) {
        return lab.trace().stream().filter(e -> e.host().equals(host) && e.at() >= t
                && e.action() instanceof Action.SendFrame f && f.kind() == Action.FrameKind.ADVERT).map(e -> {
                    try {
                        return org.carp4j.codec.FrameCodec.decode(((Action.SendFrame) e.action()).frame());
                    } catch (org.carp4j.codec.DecodeException ex) {
                        throw new AssertionError(ex);
                    }
                }).toList();
    }

    @Test
    void anUnsolicitedSpoofedReplyOrGratuitousArpDoesNotRedirectTheAdverts() {
        SimLab lab = cloud(7);
        var fw1 = fw1(lab, FW2);
        var fw2 = fw2(lab, FW1);
        var mallory = mallory(lab);
        lab.runUntil(10 * S);
        long attack = lab.now();
        lab.inject(mallory, "em0", spoofedReply(fw1));
        lab.inject(mallory, "em0", Announcements.gratuitousArp(EVIL, (java.net.Inet4Address) FW2));
        lab.runFor(20 * S);

        List<AdvertFrame> after = advertsSince(lab, "fw1", attack);
        assertTrue(after.size() >= 19);
        assertTrue(after.stream().allMatch(a -> a.dstMac().equals(mac(fw2))), "still to the real fw2");
        assertEquals(BACKUP, fw2.state("carp0"));
        assertEquals(List.of("fw1"), lab.masters("carp0"));
    }

    @Test
    void aSpoofedAnswerToOurOwnRequestThatContradictsThePeerIsIgnoredAndLogged() {
        SimLab lab = cloud(8);
        var fw1 = fw1(lab, FW2);
        var fw2 = fw2(lab, FW1);
        var mallory = mallory(lab);
        // the refresh probe goes out at 30 s + 2 ms; fw2's answer is back 2 ms later, mallory's 1 ms after that
        lab.runUntil(2 * MS + 30 * S + 2 * MS);
        lab.inject(mallory, "em0", spoofedReply(fw1));
        long attack = lab.now();
        lab.runFor(10 * S);

        assertTrue(advertsSince(lab, "fw1", attack).size() >= 9, "fw1 kept advertising");
        assertTrue(advertsSince(lab, "fw1", attack).stream().allMatch(a -> a.dstMac().equals(mac(fw2))));
        List<SimLab.Entry> warnings = lab.trace().stream().filter(e -> e.host().equals("fw1")
                && e.action() instanceof Action.Log l && l.message().contains("answered ARP from two")).toList();
        assertEquals(1, warnings.size());
        assertEquals("carppeer 10.0.0.3 answered ARP from two Ethernet addresses on em0 ("
                + mac(fw2) + " and " + EVIL + "); keeping " + mac(fw2), ((Action.Log) warnings.get(0).action()).message());
    }

    @Test
    void aNewMacMustAnswerTwoOfOurRequestsBeforeTheAdvertsFollowIt() {
        SimLab lab = cloud(9);
        fw1(lab, FW2);
        fw2(lab, FW1);
        lab.runUntil(10 * S);
        lab.host("fw2").cut("em0");
        var fresh = lab.host("fw2b").nic("em0", "lan", "10.0.0.3/24").set(carp0(100, FW1));
        long replaced = lab.now();
        lab.runFor(10 * S);

        List<SimLab.Entry> probes = sent(lab, "fw1", Action.FrameKind.ARP_REQUEST).stream()
                .filter(e -> e.at() >= replaced).toList();
        assertTrue(probes.size() >= 2, "the new box's own ARP made fw1 ask, and ask again");
        long confirmed = probes.get(1).at() + 2 * MS;
        for (SimLab.Entry e : lab.trace()) {
            if (e.host().equals("fw1") && e.at() > replaced && e.action() instanceof Action.SendFrame f
                    && f.kind() == Action.FrameKind.ADVERT) {
                MacAddress to = MacAddress.of(f.frame(), 0);
                assertEquals(e.at() < confirmed ? mac(lab.host("fw2")) : mac(fresh), to, "advert at " + e.at());
            }
        }
        assertTrue(confirmed < replaced + 2 * S, "the replaced peer is followed within two seconds");
    }

    @Test
    void twoAnswersToTheFirstRequestLeaveThePeerOnBroadcastUntilOneAnswerIsClear() {
        SimLab lab = cloud(10);
        var fw1 = fw1(lab, FW2);
        fw2(lab, FW1);
        var mallory = mallory(lab);
        lab.inject(mallory, "em0", spoofedReply(fw1)); // lands 1 ms after fw1's first request, before fw2's answer
        lab.runUntil(10 * MS);
        assertFalse(fw1.engine.peerResolved("carp0"), "we cannot tell who lies: adverts go to every port");
        assertTrue(lab.trace().stream().anyMatch(e -> e.action() instanceof Action.Log l && l.message().equals(
                "carppeer 10.0.0.3 answered ARP from two Ethernet addresses on em0 (" + EVIL + " and "
                        + mac(lab.host("fw2")) + "); advertising to it by broadcast")));
        lab.runFor(10 * S);
        assertEquals(mac(lab.host("fw2")), latestAdvert(lab, "fw1").dstMac(), "the next request had one answer");
        assertEquals(List.of("fw1"), lab.masters("carp0"));
    }
}
