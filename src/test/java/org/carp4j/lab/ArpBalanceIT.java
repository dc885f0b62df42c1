package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * arpbalance=1 for real: fw1 (h1) and fw2 (h2) share 172.16.0.100 with vhid 1 (fw1 preferred) and
 * vhid 2 (fw2 preferred). Client h3 (odd address) is answered by vhid 2, client h4 (even) by
 * vhid 1, so the clients' traffic splits between the firewalls; when fw1 dies its clients keep the
 * same MAC, which fw2 now holds.
 */
class ArpBalanceIT extends LabTest {
    static final String VIP = "172.16.0.100";
    private int round;

    /** What the segment said to one client's ARP requests for the VIP, port by port. */
    record Answers(long requests, List<String> fromFw1, List<String> fromFw2) {
    }

    /**
     * The client asks who has the VIP three times (arping, so no cache gets in the way); what its
     * port, fw1's and fw2's ports sent is captured separately, so an answer is tied to the host
     * that sent it whatever MAC it claims. Each answer is listed by its ARP sender MAC. A cable
     * pulled on fw1 leaves nothing to capture there: it cannot answer.
     */
    private Answers ask(Lab.Host client, boolean fw1Plugged) throws Exception {
        round++;
        Path asked = lab.dir().resolve("asked" + round + ".pcap");
        Path fw1 = lab.dir().resolve("fw1-" + round + ".pcap");
        Path fw2 = lab.dir().resolve("fw2-" + round + ".pcap");
        List<Process> captures = new java.util.ArrayList<>(List.of(lab.capture(asked, client.name() + "-em0", "arp"),
                lab.capture(fw2, "h2-em0", "arp")));
        if (fw1Plugged) {
            captures.add(lab.capture(fw1, "h1-em0", "arp"));
        }
        Lab.Result r = Lab.Result.of(List.of("ip", "netns", "exec", client.ns, "timeout", "20",
                "arping", "-i", "em0", "-c", "3", "-W", "0.3", VIP));
        assertEquals(0, r.exit(), r.out() + r.err());
        for (Process p : captures) {
            p.destroy();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        }
        String request = "arp.opcode == 1 && arp.dst.proto_ipv4 == " + VIP + " && arp.src.proto_ipv4 == " + client.address();
        String reply = "arp.opcode == 2 && arp.src.proto_ipv4 == " + VIP + " && arp.dst.proto_ipv4 == " + client.address();
        return new Answers(Captures.fields(asked, request, "frame.number").size(),
                fw1Plugged ? Captures.fields(fw1, reply, "arp.src.hw_mac") : List.of(), Captures.fields(fw2, reply, "arp.src.hw_mac"));
    }

    /** Exactly one firewall answered, once per request, always with the same virtual MAC. */
    private static void answeredOnlyBy(Answers a, int fw, String mac) {
        List<String> theOne = fw == 1 ? a.fromFw1() : a.fromFw2();
        List<String> theOther = fw == 1 ? a.fromFw2() : a.fromFw1();
        assertTrue(a.requests() >= 3, "arping's three requests at least: " + a);
        assertEquals(List.of(), theOther, "the other firewall stays silent: " + a);
        assertEquals(a.requests(), theOne.size(), "one answer per request: " + a);
        assertEquals(List.of(mac), theOne.stream().distinct().toList(), a.toString());
    }

    @Test
    void clientsSplitBetweenTheMastersAndSurviveAFailover() throws Exception {
        lab = Lab.create(4, false);
        lab.h(1).startCarpd();
        lab.h(2).startCarpd();
        for (int i = 1; i <= 2; i++) {
            var h = lab.h(i);
            // preempt: each vhid ends on its preferred firewall whichever was configured first
            assertEquals(0, h.carpsysctl("-w", "net.inet.carp.preempt=1").exit());
            assertEquals(0, h.carpsysctl("-w", "net.inet.carp.arpbalance=1").exit());
            assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100", VIP + "/24").exit());
            assertEquals(0, h.carpconfig("carp1", "create", "vhid", "2", "pass", "pw", "carpdev", "em0",
                    "advskew", i == 2 ? "0" : "100", VIP + "/24").exit());
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(12), () ->
                lab.h(1).carpconfig("carp0").out().contains("MASTER") && lab.h(2).carpconfig("carp1").out().contains("MASTER")
                && lab.h(1).carpconfig("carp1").out().contains("BACKUP") && lab.h(2).carpconfig("carp0").out().contains("BACKUP")));
        assertTrue(lab.h(3).ping(VIP));
        assertTrue(lab.h(4).ping(VIP));
        String odd = lab.h(3).exec("ip", "neigh", "show", VIP);
        String even = lab.h(4).exec("ip", "neigh", "show", VIP);
        assertTrue(odd.contains("00:00:5e:00:01:02"), "172.16.0.3 is served by vhid 2 (fw2): " + odd);
        assertTrue(even.contains("00:00:5e:00:01:01"), "172.16.0.4 is served by vhid 1 (fw1): " + even);
        answeredOnlyBy(ask(lab.h(3), true), 2, "00:00:5e:00:01:02");
        answeredOnlyBy(ask(lab.h(4), true), 1, "00:00:5e:00:01:01");

        lab.h(1).cut("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(2).carpconfig("carp0").out().contains("MASTER")));
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(4).ping(VIP)), "fw2 now owns vhid 1's MAC too");
        assertTrue(lab.h(3).ping(VIP));
        // fw2 now answers both clients, each still with the MAC of its own vhid
        answeredOnlyBy(ask(lab.h(3), false), 2, "00:00:5e:00:01:02");
        answeredOnlyBy(ask(lab.h(4), false), 2, "00:00:5e:00:01:01");
    }
}
