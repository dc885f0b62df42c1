package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A dual-stack group on a real segment: IPv6 adverts, neighbour advertisements, failover. */
class Ipv6IT extends LabTest {
    static final String VIP6 = "2001:db8::100";
    static final String VIP4 = "172.16.0.100";
    /** vhid 3, so the virtual MAC's last byte shows the vhid: 00:00:5e:00:01:vhid. */
    static final String VHID = "3";
    static final String MAC = "00:00:5e:00:01:03";

    /**
     * The unsolicited (Solicited flag clear) neighbour advertisements for the IPv6 VIP one host sent (its switch port's
     * capture): Ethernet source and destination, IPv6 destination, Override flag, target
     * link-layer address option.
     */
    static List<String> neighbourAdverts(Path pcap) throws Exception {
        return Captures.fields(pcap, "icmpv6.type == 136 && icmpv6.nd.na.flag.s == 0 && icmpv6.nd.na.target_address == " + VIP6,
                "eth.src", "eth.dst", "ipv6.dst", "icmpv6.nd.na.flag.o", "icmpv6.opt.linkaddr");
    }

    /**
     * The gratuitous ARPs for the IPv4 VIP one host sent: Ethernet source and destination, opcode,
     * sender MAC, sender IP, target IP.
     */
    static List<String> gratuitousArps(Path pcap) throws Exception {
        return Captures.fields(pcap, "arp.src.proto_ipv4 == " + VIP4 + " && arp.dst.proto_ipv4 == " + VIP4,
                "eth.src", "eth.dst", "arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.proto_ipv4");
    }

    static final String EXPECTED_NA = MAC + ",33:33:00:00:00:01,ff02::1,1," + MAC;
    static final String EXPECTED_GARP = MAC + ",ff:ff:ff:ff:ff:ff,1," + MAC + "," + VIP4 + "," + VIP4;

    /** The host that has just taken over announced both VIPs on the wire, from the virtual MAC. */
    static void announcedBoth(Path sent, String who) throws Exception {
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> !neighbourAdverts(sent).isEmpty()
                && !gratuitousArps(sent).isEmpty()), who + " announced " + VIP6 + " and " + VIP4);
        List<String> na = neighbourAdverts(sent);
        assertEquals(List.of(EXPECTED_NA), na.stream().distinct().toList(),
                who + ": unsolicited NA to all nodes, Override set, target link-layer address the virtual MAC");
        List<String> garp = gratuitousArps(sent);
        assertEquals(List.of(EXPECTED_GARP), garp.stream().distinct().toList(),
                who + ": broadcast who-has VIP tell VIP from the virtual MAC");
    }

    @Test
    void dualStackGroupElectsAdvertisesOnBothFamiliesAndFailsOverAnnouncingEachWay() throws Exception {
        lab = Lab.create(3, false, true);
        Path pcap = lab.dir().resolve("lan.pcap");
        lab.capture(pcap, "br0", "ip proto 112 or ip6 proto 112 or icmp6 or arp");
        // what each firewall itself sent, from its switch port
        Path fromH1 = lab.dir().resolve("h1-first.pcap");
        Process h1Capture = lab.capture(fromH1, "h1-em0", "icmp6 or arp");
        Path fromH2 = lab.dir().resolve("h2.pcap");
        lab.capture(fromH2, "h2-em0", "icmp6 or arp");
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            for (String[] words : new String[][] {
                {"carp0", "create", "vhid", VHID, "pass", "pw6", "carpdev", "em0", "advskew", i == 1 ? "0" : "100"},
                {"carp0", "inet6", VIP6, "prefixlen", "64"},
                {"carp0", VIP4 + "/24", "alias"},
            }) {
                Lab.Result r = lab.h(i).carpconfig(words);
                assertEquals(0, r.exit(), r.err());
            }
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP6) && lab.h(1).holds(VIP4)),
                lab.h(1).log() + lab.h(1).addresses());
        announcedBoth(fromH1, "h1, elected first");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(2).carpconfig("carp0").out().contains("carp: BACKUP")));
        assertFalse(lab.h(2).holds(VIP6) || lab.h(2).holds(VIP4), "h2 stays BACKUP hearing adverts:\n" + lab.h(2).log());
        assertEquals(List.of(), neighbourAdverts(fromH2), "a BACKUP announces nothing");
        assertEquals(List.of(), gratuitousArps(fromH2), "a BACKUP announces nothing");
        assertTrue(lab.h(1).carpconfig("carp0").out().contains("\tinet6 2001:db8::100 prefixlen 64\n"));
        assertTrue(lab.h(3).ping(VIP6));
        assertTrue(lab.h(3).exec("ip", "-6", "neigh", "show", VIP6).contains(MAC),
                lab.h(3).exec("ip", "-6", "neigh", "show", VIP6));
        h1Capture.destroy(); // its port goes down next
        h1Capture.waitFor(10, TimeUnit.SECONDS);

        // h1 -> h2
        lab.h(1).cut("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(2).holds(VIP6) && lab.h(2).holds(VIP4)));
        announcedBoth(fromH2, "h2, after h1's cable was pulled");
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(3).ping(VIP6)));
        assertTrue(lab.h(3).ping(VIP4));

        // h2 -> h1: h1 is back as BACKUP (no preempt); h2 is taken down
        lab.h(1).heal("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).carpconfig("carp0").out().contains("carp: BACKUP")
                && !lab.h(1).holds(VIP6)), lab.h(1).log());
        Path fromH1Again = lab.dir().resolve("h1-again.pcap");
        lab.capture(fromH1Again, "h1-em0", "icmp6 or arp");
        assertEquals(0, lab.h(2).carpconfig("carp0", "down").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(1).holds(VIP6) && lab.h(1).holds(VIP4)));
        announcedBoth(fromH1Again, "h1, after h2 was taken down");
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(3).ping(VIP6)));

        Lab.Result r = Lab.Result.of(List.of("tshark", "-n", "-r", pcap.toString(), "-d", "ip.proto==112,carp", "-Y", "carp",
                "-T", "fields", "-E", "separator=,", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "carp.checksum.status"));
        List<String> v6 = r.out().lines().filter(l -> !l.startsWith(",")).toList();
        assertTrue(v6.size() > 5, "IPv6 adverts on the wire: " + r.out());
        assertTrue(v6.stream().allMatch(l -> l.startsWith("fe80::") && l.endsWith(",ff02::12,1")), String.join("\n", v6));
    }
}
