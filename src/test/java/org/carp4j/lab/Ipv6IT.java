package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A dual-stack group on a real segment: IPv6 adverts, neighbour advertisements, failover. */
class Ipv6IT extends LabTest {
    static final String VIP6 = "2001:db8::100";
    static final String VIP4 = "172.16.0.100";

    @Test
    void dualStackGroupElectsAdvertisesOnBothFamiliesAndFailsOver() throws Exception {
        lab = Lab.create(3, false, true);
        Path pcap = lab.dir().resolve("lan.pcap");
        lab.capture(pcap, "br0", "ip proto 112 or ip6 proto 112 or icmp6 or arp");
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            for (String[] words : new String[][] {
                {"carp0", "create", "vhid", "1", "pass", "pw6", "carpdev", "em0", "advskew", i == 1 ? "0" : "100"},
                {"carp0", "inet6", VIP6, "prefixlen", "64"},
                {"carp0", VIP4 + "/24", "alias"},
            }) {
                Lab.Result r = lab.h(i).carpconfig(words);
                assertEquals(0, r.exit(), r.err());
            }
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP6) && lab.h(1).holds(VIP4)),
                lab.h(1).log() + lab.h(1).addresses());
        Thread.sleep(5000);
        assertFalse(lab.h(2).holds(VIP6) || lab.h(2).holds(VIP4), "h2 stays BACKUP hearing adverts:\n" + lab.h(2).log());
        assertTrue(lab.h(1).carpconfig("carp0").out().contains("\tinet6 2001:db8::100 prefixlen 64\n"));
        assertTrue(lab.h(3).ping(VIP6));
        assertTrue(lab.h(3).exec("ip", "-6", "neigh", "show", VIP6).contains("00:00:5e:00:01:01"),
                lab.h(3).exec("ip", "-6", "neigh", "show", VIP6));

        lab.h(1).cut("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(2).holds(VIP6) && lab.h(2).holds(VIP4)));
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(3).ping(VIP6)));
        assertTrue(lab.h(3).ping(VIP4));

        Lab.Result r = Lab.Result.of(List.of("tshark", "-n", "-r", pcap.toString(), "-d", "ip.proto==112,carp", "-Y", "carp",
                "-T", "fields", "-E", "separator=,", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "carp.checksum.status"));
        List<String> v6 = r.out().lines().filter(l -> !l.startsWith(",")).toList();
        assertTrue(v6.size() > 5, "IPv6 adverts on the wire: " + r.out());
        assertTrue(v6.stream().allMatch(l -> l.startsWith("fe80::") && l.endsWith(",ff02::12,1")), String.join("\n", v6));
        Lab.Result na = Lab.Result.of(List.of("tshark", "-n", "-r", pcap.toString(), "-Y",
                "icmpv6.type == 136 && eth.src == 00:00:5e:00:01:01 && icmpv6.nd.na.target_address == 2001:db8::100",
                "-T", "fields", "-e", "icmpv6.nd.na.flag.o"));
        assertTrue(na.out().lines().count() >= 2, "unsolicited NAs with Override, from both masters: " + na.out());
        assertTrue(na.out().lines().allMatch(l -> l.equals("1") || l.equals("True")), na.out());
    }
}
