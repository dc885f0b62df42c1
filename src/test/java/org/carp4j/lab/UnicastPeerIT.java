package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.carp4j.codec.Announcements;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.VipAddress;
import org.carp4j.fuzz.Hostile;
import org.carp4j.testing.Pcap;
import org.junit.jupiter.api.Test;

/**
 * A switch that drops multicast (a cloud network, a hypervisor switch): with 224.0.0.18 gone both
 * firewalls think they are alone, and OpenBSD's `carppeer` is the cure. Needs root (namespaces).
 */
class UnicastPeerIT extends LabTest {
    private static final String VIP = "172.16.0.100";

    private boolean onlyH1Holds() throws Exception {
        return lab.h(1).holds(VIP) && !lab.h(2).holds(VIP);
    }

    @Test
    void carppeerElectsOneMasterWhereMulticastIsDropped() throws Exception {
        lab = Lab.create(2, false);
        lab.blockMulticast();
        lab.h(1).startCarpd("--metrics-port", "9112");
        lab.h(2).startCarpd();
        for (int i = 1; i <= 2; i++) {
            Lab.Result r = lab.h(i).carpconfig("carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100", VIP + "/24");
            assertEquals(0, r.exit(), r.err());
        }
        // without a peer the group never crosses the switch: two masters
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP) && lab.h(2).holds(VIP)),
                "split brain while multicast is dropped");
        assertTrue(lab.multicastDrops() > 0);

        Path pcap = lab.dir().resolve("unicast.pcap");
        Process tcpdump = lab.capture(pcap, "br0", "ip proto 112 or icmp or arp");
        assertEquals(0, lab.h(1).carpconfig("carp0", "carppeer", "172.16.0.2").exit());
        Lab.Result r = lab.h(2).carpconfig("carp0", "carppeer", "172.16.0.1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(Lab.eventually(Duration.ofSeconds(5), this::onlyH1Holds), "carppeer healed the split");
        String shown = lab.h(2).carpconfig("carp0").out();
        assertTrue(shown.contains("\tcarp: BACKUP carpdev em0 vhid 1 advbase 1 advskew 100 carppeer 172.16.0.1\n"), shown);
        String metrics = lab.h(1).scrape(9112);
        assertTrue(metrics.contains("carp_peer_resolved{interface=\"carp0\",carppeer=\"172.16.0.2\"} 1\n"), metrics);
        assertTrue(lab.h(1).logged("carppeer 172.16.0.2 is at 02:00:00:00:00:02 on em0"), lab.h(1).log());
        long before = lab.h(2).log().lines().filter(l -> l.contains("to=MASTER")).count();
        Thread.sleep(5000);
        assertTrue(onlyH1Holds(), "and it stays healed");
        assertEquals(before, lab.h(2).log().lines().filter(l -> l.contains("to=MASTER")).count(), "no flapping");
        tcpdump.destroy();
        tcpdump.waitFor();

        // what crossed the switch: h1's adverts to h2's address and MAC, TTL 255, valid CARP for tshark
        List<String> adverts = Captures.fields(pcap, "carp && ip.src == 172.16.0.1 && carp.advskew == 0",
                "eth.src", "eth.dst", "ip.dst", "ip.ttl", "carp.checksum.status");
        // the capture may begin with a multicast advert h1 sent before its carppeer was set
        List<String> unicast = adverts.stream().dropWhile(a -> a.contains(",224.0.0.18,")).toList();
        assertTrue(unicast.size() >= 4, "h1 advertised every second: " + adverts);
        assertTrue(unicast.stream().allMatch(a -> a.equals("00:00:5e:00:01:01,02:00:00:00:00:02,172.16.0.2,255,1")),
                String.join("\n", adverts));
        assertEquals(List.of(), Captures.fields(pcap, "icmp.type == 3", "ip.src", "icmp.code"),
                "no host answers a unicast advert with ICMP protocol-unreachable");
        assertFalse(Captures.fields(pcap, "arp.opcode == 1 && arp.src.proto_ipv4 == 172.16.0.1"
                + " && arp.dst.proto_ipv4 == 172.16.0.2", "eth.src").isEmpty(), "h1 resolved its peer by ARP");

        // forced failover: the 255/255 bow-out reaches the peer by unicast
        long down = System.nanoTime();
        assertEquals(0, lab.h(1).carpconfig("carp0", "down").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(2), () -> lab.h(2).holds(VIP) && !lab.h(1).holds(VIP)),
                "h2 took over at once");
        System.out.printf("carppeer: forced failover in %d ms%n", (System.nanoTime() - down) / 1_000_000);
        assertEquals(0, lab.h(1).carpconfig("carp0", "up").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> lab.h(2).holds(VIP)
                && lab.h(1).carpconfig("carp0").out().contains("carp: BACKUP")), "h1 back as BACKUP (no preempt)");

        // the master dies without a word: h2 is on its own, h1 takes over after three intervals
        lab.h(2).signal("KILL");
        long killed = System.nanoTime();
        assertTrue(Lab.eventually(Duration.ofSeconds(6), () -> lab.h(1).holds(VIP)), "h1 took over");
        System.out.printf("carppeer: takeover %d ms after kill -9 of the master%n", (System.nanoTime() - killed) / 1_000_000);

        // the peer survives a restart: it is in the state file
        assertTrue(Files.readString(lab.h(2).stateDir.resolve("carpd.json")).contains("\"carppeer\" : \"172.16.0.1\""));
        lab.h(2).startCarpd();
        assertTrue(lab.h(2).carpconfig("carp0").out().contains("advskew 100 carppeer 172.16.0.1\n"));
        Thread.sleep(5000);
        assertTrue(onlyH1Holds(), "the restarted h2 heard h1 again and stayed BACKUP");

        // -carppeer: back to the (dropped) group, so h2 no longer hears h1
        assertEquals(0, lab.h(1).carpconfig("carp0", "-carppeer").exit());
        assertFalse(lab.h(1).carpconfig("carp0").out().contains("carppeer"));
        assertTrue(Lab.eventually(Duration.ofSeconds(6), () -> lab.h(2).holds(VIP)), "h2 lost h1's adverts");
    }

    @Test
    void badPeersAreRefusedAndChangeNothing() throws Exception {
        lab = Lab.create(1, false);
        lab.h(1).startCarpd();
        assertEquals(0, lab.h(1).carpconfig("carp0", "create", "vhid", "1", "carpdev", "em0", "carppeer",
                "172.16.0.2", VIP + "/24").exit());
        byte[] saved = Files.readAllBytes(lab.h(1).stateDir.resolve("carpd.json"));
        for (List<String> words : List.of(List.of("carppeer", "2001:db8::2"), List.of("carppeer", "fw2.example"),
                List.of("carppeer", "239.1.1.1"), List.of("carppeer"), List.of("advskew", "5", "carppeer", VIP))) {
            List<String> args = new java.util.ArrayList<>(List.of("carp0"));
            args.addAll(words);
            Lab.Result r = lab.h(1).carpconfig(args.toArray(String[]::new));
            assertEquals(1, r.exit(), words + ": " + r.out());
            assertTrue(r.err().startsWith("carpconfig: "), r.err());
            assertTrue(java.util.Arrays.equals(saved, Files.readAllBytes(lab.h(1).stateDir.resolve("carpd.json"))),
                    words + " left the state file as it was");
        }
    }

    @Test
    void spoofedArpForThePeerDoesNotRedirectTheUnicastAdverts() throws Exception {
        lab = Lab.create(3, false);
        lab.blockMulticast();
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            Lab.Result r = lab.h(i).carpconfig("carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100", "carppeer", i == 1 ? "172.16.0.2" : "172.16.0.1", VIP + "/24");
            assertEquals(0, r.exit(), r.err());
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10), this::onlyH1Holds));

        // h3 claims h2's address for its own MAC: an unsolicited reply to h1 and a gratuitous ARP
        var h3mac = MacAddress.parse("02:00:00:00:00:03");
        var h1mac = MacAddress.parse("02:00:00:00:00:01");
        var h2ip = (Inet4Address) VipAddress.Inet.parseLiteral("172.16.0.2");
        var h1ip = (Inet4Address) VipAddress.Inet.parseLiteral("172.16.0.1");
        Path spoof = lab.dir().resolve("spoof.pcap");
        Pcap.write(spoof, List.of(Announcements.arpReply(h3mac, h2ip, h1mac, h1ip),
                Announcements.gratuitousArp(h3mac, h2ip)));
        Path pcap = lab.dir().resolve("after.pcap");
        Process tcpdump = lab.capture(pcap, "br0", "ip proto 112 or arp");
        long attack = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            Lab.Result r = Lab.Result.of(List.of("ip", "netns", "exec", lab.h(3).ns, "timeout", "60", "java", "-cp",
                    System.getProperty("java.class.path"), Hostile.class.getName(), "replay", "em0",
                    spoof.toString()));
            assertEquals(0, r.exit(), r.out() + r.err());
        }
        long spent = System.currentTimeMillis() - attack;
        Thread.sleep(Math.max(0, 6000 - spent));
        tcpdump.destroy();
        tcpdump.waitFor();

        assertTrue(onlyH1Holds(), "h2 kept hearing h1:\n" + lab.h(2).log());
        assertFalse(lab.h(1).log().contains("is at 02:00:00:00:00:03"), lab.h(1).log());
        List<String> dst = Captures.fields(pcap, "carp && ip.src == 172.16.0.1", "eth.dst");
        assertTrue(dst.size() >= 4, "h1 kept advertising: " + dst);
        assertEquals(List.of("02:00:00:00:00:02"), dst.stream().distinct().toList(), "all to h2's own MAC");
        assertFalse(Captures.fields(pcap, "arp.opcode == 1 && eth.src == 02:00:00:00:00:01"
                + " && arp.dst.proto_ipv4 == 172.16.0.2", "frame.number").isEmpty(), "h1 asked h2 itself");
    }
}
