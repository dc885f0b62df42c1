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

    @Test
    void theMasterReannouncesEveryNSeconds() throws Exception {
        lab = Lab.create(2, false);
        var h = lab.h(1);
        h.startCarpd();
        assertEquals(0, h.carpsysctl("-w", "net.inet.carp.garprefresh=2").exit());
        assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0", VIP + "/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> h.holds(VIP)));
        Thread.sleep(3000); // past the takeover announcements
        Path pcap = lab.dir().resolve("garp.pcap");
        Process tcpdump = lab.capture(pcap, "h1-em0", "arp and ether src 00:00:5e:00:01:01");
        Thread.sleep(7000);
        tcpdump.destroy();
        tcpdump.waitFor();
        Lab.Result r = Lab.Result.of(List.of("tshark", "-n", "-r", pcap.toString(), "-T", "fields",
                "-e", "arp.src.proto_ipv4", "-e", "arp.dst.proto_ipv4", "-e", "arp.opcode"));
        List<String> garps = r.out().lines().toList();
        assertTrue(garps.size() >= 3 && garps.size() <= 4, "one every 2 s in 7 s: " + garps);
        assertTrue(garps.stream().allMatch(l -> l.equals(VIP + "\t" + VIP + "\t1")), "who-has VIP tell VIP: " + garps);
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
