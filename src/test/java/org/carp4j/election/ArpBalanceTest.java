package org.carp4j.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.carp4j.codec.Announcements;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.junit.jupiter.api.Test;

/** net.inet.carp.arpbalance: who answers an ARP request for an address two vhids share. */
class ArpBalanceTest {
    static final long S = Interval.SECOND;

    private static CarpEngine host(int masterOf, int arpbalance) {
        CarpEngine e = new CarpEngine(new Random(1));
        e.carpdev(new Carpdev("em0", MacAddress.parse("02:00:00:00:00:01"), List.of(VipAddress.parse("172.16.0.1/24")), true), 0);
        List<VhostConfig> carps = List.of(
                new VhostConfig("carp0", 1, "pw", "em0", 1, 0, List.of(VipAddress.parse("172.16.0.100/24")), true),
                new VhostConfig("carp1", 2, "pw", "em0", 1, 0, List.of(VipAddress.parse("172.16.0.100/24")), true));
        e.apply(carps, new Sysctls(1, 0, 0, arpbalance), 0, 0);
        e.tick(10 * S); // both time out to MASTER...
        e.forceState(masterOf == 1 ? "carp1" : "carp0", CarpState.BACKUP, 10 * S); // ...then one steps back
        return e;
    }

    private static byte[] request(String from) {
        // an ARP request "who-has 172.16.0.100 tell FROM", built by swapping fields of a reply
        byte[] r = Announcements.arpReply(MacAddress.parse("02:00:00:00:00:09"),
                (java.net.Inet4Address) VipAddress.Inet.parseLiteral(from), MacAddress.BROADCAST,
                (java.net.Inet4Address) VipAddress.Inet.parseLiteral("172.16.0.100"));
        r[21] = 1; // opcode: request
        return r;
    }

    private static Optional<MacAddress> answer(CarpEngine e, String from) {
        List<Action> a = e.arp("em0", request(from), 11 * S);
        if (a.isEmpty()) {
            return Optional.empty();
        }
        byte[] f = ((Action.SendFrame) a.get(0)).frame();
        assertEquals(2, f[21], "an ARP reply");
        return Optional.of(MacAddress.of(f, 22));
    }

    @Test
    void requesterAddressModuloCountPicksTheVhidAndOnlyItsMasterAnswers() {
        CarpEngine fw1 = host(1, 1); // MASTER of vhid 1
        CarpEngine fw2 = host(2, 1); // MASTER of vhid 2
        // 172.16.0.4 is even: index 0, vhid 1; 172.16.0.3 is odd: index 1, vhid 2
        assertEquals(Optional.of(MacAddress.virtual(1)), answer(fw1, "172.16.0.4"));
        assertEquals(Optional.empty(), answer(fw2, "172.16.0.4"));
        assertEquals(Optional.of(MacAddress.virtual(2)), answer(fw2, "172.16.0.3"));
        assertEquals(Optional.empty(), answer(fw1, "172.16.0.3"));
    }

    @Test
    void offMeansTheKernelAnswersAndSharedAddressesAreNotAnnounced() {
        assertTrue(host(1, 0).arp("em0", request("172.16.0.4"), 11 * S).isEmpty());
        CarpEngine e = new CarpEngine(new Random(1));
        e.carpdev(new Carpdev("em0", MacAddress.ZERO, List.of(VipAddress.parse("172.16.0.1/24")), true), 0);
        e.apply(List.of(
                new VhostConfig("carp0", 1, "pw", "em0", 1, 0, List.of(VipAddress.parse("172.16.0.100/24")), true),
                new VhostConfig("carp1", 2, "pw", "em0", 1, 0, List.of(VipAddress.parse("172.16.0.100/24")), true)),
                new Sysctls(1, 0, 0, 1), 0, 0);
        List<Action> takeover = e.tick(10 * S);
        assertTrue(takeover.stream().noneMatch(a -> a instanceof Action.SendFrame f && f.kind() == Action.FrameKind.GARP),
                "no gratuitous ARP for a balanced address");
    }
}
