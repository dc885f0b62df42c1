package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * arpbalance=1 for real: fw1 (h1) and fw2 (h2) share 172.16.0.100 with vhid 1 (fw1 preferred) and
 * vhid 2 (fw2 preferred). Client h3 (odd address) is answered by vhid 2, client h4 (even) by
 * vhid 1, so the clients' traffic splits between the firewalls; when fw1 dies its clients keep the
 * same MAC, which fw2 now holds.
 */
class ArpBalanceIT extends LabTest {
    static final String VIP = "172.16.0.100";

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

        lab.h(1).cut("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(2).carpconfig("carp0").out().contains("MASTER")));
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(4).ping(VIP)), "fw2 now owns vhid 1's MAC too");
        assertTrue(lab.h(3).ping(VIP));
    }
}
