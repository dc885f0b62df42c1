package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 2 on a real segment: two carpd whose carpdevs have no IPv4 address both advertise
 * from the VIP, so the address tie-break cannot choose between them. After a healed split they
 * used to answer each other's adverts at once, frame for frame; now they settle on one master
 * with a handful of adverts.
 */
class EqualMastersIT extends LabTest {
    static final String VIP = "172.16.0.100";

    @Test
    void twoMastersAdvertisingFromTheSameAddressSettleWithoutAStorm() throws Exception {
        lab = Lab.create(2, false);
        for (int i = 1; i <= 2; i++) {
            var h = lab.h(i);
            h.exec("ip", "addr", "flush", "dev", "em0"); // no address of its own: adverts come from the VIP
            h.startCarpd();
            assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0",
                    VIP + "/24").exit());
        }
        lab.h(1).detach("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP) && lab.h(2).holds(VIP)),
                "partitioned: both MASTER");
        Path pcap = lab.dir().resolve("heal.pcap");
        Process capture = lab.capture(pcap, "br0");
        Thread.sleep(500);
        lab.h(1).heal("em0");
        Thread.sleep(3000);
        capture.destroy();
        capture.waitFor();
        long adverts = Captures.adverts(pcap).size();
        System.out.println("equal masters with the same source, 3 s after the heal: " + adverts + " adverts on the wire");
        assertTrue(adverts <= 20, adverts + " adverts in 3 s");
        assertTrue(Lab.eventually(Duration.ofSeconds(20), () -> lab.h(1).holds(VIP) ^ lab.h(2).holds(VIP)),
                lab.h(1).log() + lab.h(2).log());
        Thread.sleep(5000);
        assertTrue(lab.h(1).holds(VIP) ^ lab.h(2).holds(VIP), "and it stays that way");
    }
}
