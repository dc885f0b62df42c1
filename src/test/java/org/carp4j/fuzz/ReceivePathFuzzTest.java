package org.carp4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.Action;
import org.carp4j.election.CarpEngine;
import org.carp4j.election.CarpState;
import org.carp4j.election.Carpdev;

/**
 * Any bytes on the wire: the decoder and the whole receive path never throw, an invalid packet
 * changes nothing, and every packet is either accepted or counted under exactly one drop reason.
 * Seeds: the real ucarp captures and the forged vectors (ReceivePathFuzzTestInputs/).
 */
class ReceivePathFuzzTest {
    private static final long S = 1_000_000_000L;

    @FuzzTest(maxDuration = "60s")
    void receive(byte[] frame) {
        CarpEngine e = new CarpEngine(new Random(1));
        e.carpdev(new Carpdev("em0", MacAddress.parse("02:00:00:00:00:01"), List.of(VipAddress.parse("172.16.0.1/24")), true), 0);
        e.apply(List.of(new VhostConfig("carp0", 1, "lanpasswd", "em0", 1, 100,
                        List.of(VipAddress.parse("172.16.0.100/24")), true),
                new VhostConfig("carp1", 2, "", "em0", 1, 0,
                        List.of(VipAddress.parse("172.16.0.101/24"), VipAddress.parse("2001:db8::1/64")), true)),
                new Sysctls(1, 1, 1, 0), 0, 0);
        List<Action> actions = e.receive("em0", frame, S);
        Map<String, Long> stats = e.stats().snapshot();
        long accepted = stats.get("accepted");
        long dropped = e.stats().dropsByReason().values().stream().mapToLong(Long::longValue).sum();
        assertEquals(1, accepted + dropped, "one verdict per packet: " + stats);
        if (accepted == 0) {
            assertTrue(actions.stream().allMatch(a -> a instanceof Action.Log), "a dropped packet only logs: " + actions);
            assertEquals(CarpState.BACKUP, e.state("carp0"));
            assertEquals(CarpState.BACKUP, e.state("carp1"));
        }
    }

    /**
     * Any bytes as an ARP frame, with a carppeer to learn and arpbalance on: never a throw, never
     * a state change; at most an ARP reply from a virtual MAC, one request of our own to the
     * carppeer (a frame from its address with another MAC is checked by asking it) and log lines.
     */
    @FuzzTest(maxDuration = "30s")
    void arp(byte[] frame) {
        CarpEngine e = new CarpEngine(new Random(1));
        e.carpdev(new Carpdev("em0", MacAddress.parse("02:00:00:00:00:01"), List.of(VipAddress.parse("172.16.0.1/24")), true), 0);
        VhostConfig shared = new VhostConfig("carp0", 1, "", "em0", 1, 0, List.of(VipAddress.parse("172.16.0.100/24")),
                true, VipAddress.Inet.parseLiteral("172.16.0.2"));
        e.apply(List.of(shared, new VhostConfig("carp1", 2, "", "em0", 1, 0, shared.addresses(), true)),
                new Sysctls(1, 1, 0, 1), 0, 0);
        e.forceState("carp0", CarpState.MASTER, 0);
        List<Action> actions = e.arp("em0", frame, S);
        assertTrue(actions.stream().allMatch(a -> a instanceof Action.Log
                || a instanceof Action.SendFrame f && (f.kind() == Action.FrameKind.ARP_REPLY
                || f.kind() == Action.FrameKind.ARP_REQUEST && peerProbe(f.frame()))), actions.toString());
        assertTrue(actions.stream().filter(a -> a instanceof Action.SendFrame f
                && f.kind() == Action.FrameKind.ARP_REQUEST).count() <= 1, actions.toString());
        assertEquals(CarpState.MASTER, e.state("carp0"));
        assertEquals(CarpState.BACKUP, e.state("carp1"));
    }

    /** Our own "who has 172.16.0.2, tell 172.16.0.1" from em0's MAC. */
    private static boolean peerProbe(byte[] frame) {
        return org.carp4j.codec.Announcements.parseArp(frame).orElseThrow().equals(new org.carp4j.codec.Announcements.Arp(
                true, MacAddress.parse("02:00:00:00:00:01"), (java.net.Inet4Address) VipAddress.Inet.parseLiteral("172.16.0.1"),
                (java.net.Inet4Address) VipAddress.Inet.parseLiteral("172.16.0.2")));
    }
}
