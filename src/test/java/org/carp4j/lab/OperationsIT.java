package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What operators ask for, on a real segment: periodic gratuitous ARP and a Prometheus endpoint. */
class OperationsIT extends LabTest {
    static final String VIP = "172.16.0.100";

    /** The gratuitous ARPs fw1 sent so far: capture time (s), sender IP, target IP, opcode. */
    private static List<String> garps(Path pcap) throws Exception {
        return Captures.fields(pcap, "arp", "frame.time_epoch", "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "arp.opcode");
    }

    @Test
    void theMasterReannouncesEveryNSeconds() throws Exception {
        lab = Lab.create(2, false);
        var h = lab.h(1);
        h.startCarpd();
        Path pcap = lab.dir().resolve("garp.pcap");
        Process tcpdump = lab.capture(pcap, "h1-em0", "arp and ether src 00:00:5e:00:01:01");
        assertEquals(0, h.carpsysctl("-w", "net.inet.carp.garprefresh=2").exit());
        assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0", VIP + "/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> h.holds(VIP)));
        // The takeover sends at most two (at once, and the delayed one); the rest are refreshes.
        // Seven in all leave the last five refreshes: four intervals, read from the capture's own
        // timestamps, so a slow machine delays the test but does not change what it measures.
        assertTrue(Lab.eventually(Duration.ofSeconds(30), () -> garps(pcap).size() >= 7), "refreshes keep coming: "
                + garps(pcap));
        tcpdump.destroy();
        tcpdump.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        List<String> all = garps(pcap);
        assertTrue(all.stream().allMatch(l -> l.endsWith("," + VIP + "," + VIP + ",1")), "who-has VIP tell VIP: " + all);
        List<Double> times = all.subList(all.size() - 5, all.size()).stream()
                .map(l -> Double.parseDouble(l.split(",")[0])).toList();
        for (int i = 1; i < times.size(); i++) {
            double gap = times.get(i) - times.get(i - 1);
            // one refresh per interval: none missed (no gap near 4 s), none doubled (no gap near 0)
            assertTrue(gap > 1.0 && gap < 3.5, "consecutive refreshes " + gap + " s apart: " + all);
        }
        double mean = (times.get(4) - times.get(0)) / 4;
        System.out.printf("garprefresh=2: %d gratuitous ARPs, the last five %.3f s apart on average%n", all.size(), mean);
        assertTrue(mean > 1.7 && mean < 2.5, "every 2 s: " + mean + " s on average: " + all);
    }

    @Test
    void aTakeoverIsAnnouncedWithAGratuitousArpFromTheVirtualMac() throws Exception {
        lab = Lab.create(2, false);
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            assertEquals(0, lab.h(i).carpconfig("carp0", "create", "vhid", "7", "pass", "pw", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100", VIP + "/24").exit());
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP)
                && lab.h(2).carpconfig("carp0").out().contains("carp: BACKUP")));
        Path sent = lab.dir().resolve("h2.pcap");
        Process tcpdump = lab.capture(sent, "h2-em0", "arp");
        String garp = "arp.src.proto_ipv4 == " + VIP + " && arp.dst.proto_ipv4 == " + VIP;
        assertEquals(List.of(), Captures.fields(sent, garp, "frame.number"), "the BACKUP announces nothing");

        lab.h(1).signal("KILL"); // no bow-out: h2 takes over when its master-down timer fires
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(2).holds(VIP)), lab.h(2).log());
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> !Captures.fields(sent, garp, "frame.number").isEmpty()),
                "h2 announced the takeover");
        tcpdump.destroy();
        tcpdump.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        List<String> decoded = Captures.fields(sent, garp, "eth.src", "eth.dst", "arp.opcode", "arp.src.hw_mac",
                "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "arp.isgratuitous");
        assertEquals(List.of("00:00:5e:00:01:07,ff:ff:ff:ff:ff:ff,1,00:00:5e:00:01:07," + VIP + "," + VIP + ",1"),
                decoded.stream().distinct().toList(),
                "broadcast who-has VIP tell VIP, from and for the virtual MAC 00:00:5e:00:01:<vhid>: " + decoded);
    }

    @Test
    void prometheusScrapesTheLiveState() throws Exception {
        lab = Lab.create(2, false);
        var h = lab.h(1);
        h.startCarpd("--metrics-port", "9112");
        assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0", VIP + "/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> h.holds(VIP)));
        lab.h(2).startUcarp("em0", "-v", "1", "-p", "wrong", "-a", VIP); // produces bad-authentication drops
        Thread.sleep(5000);
        String page = h.scrape(9112);
        assertTrue(page.contains("carp_state{interface=\"carp0\",vhid=\"1\",state=\"MASTER\"} 1"), page);
        assertTrue(page.contains("carp_state{interface=\"carp0\",vhid=\"1\",state=\"BACKUP\"} 0"), page);
        assertTrue(page.contains("carp_transitions_total{interface=\"carp0\"} 2"), "INIT->BACKUP->MASTER:\n" + page);
        assertTrue(page.matches("(?s).*carp_drops_total\\{reason=\"badauth\"} [1-9].*"), page);
        assertTrue(page.matches("(?s).*carp_adverts_sent_total\\{family=\"ipv4\"} [1-9].*"), page);
        assertTrue(page.contains("carp_demote 0"));
        assertEquals(0, h.carpconfig("carp0", "down").exit());
        String after = h.scrape(9112);
        assertTrue(after.contains("carp_state{interface=\"carp0\",vhid=\"1\",state=\"INIT\"} 1"), "never stale:\n" + after);
        Files.writeString(lab.dir().resolve("scrape.txt"), page);
    }
}
