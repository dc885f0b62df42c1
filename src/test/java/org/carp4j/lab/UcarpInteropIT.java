package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** carpd and the real ucarp (Debian's package) in one group on one segment, both ways round. */
class UcarpInteropIT extends LabTest {
    static final String VIP = "172.16.0.100";

    private Lab.Result carp(Lab.Host h, String... words) throws Exception {
        Lab.Result r = h.carpconfig(words);
        assertEquals(0, r.exit(), r.err());
        return r;
    }

    @Test
    void carpdMasterUcarpBackupFailoverBothWaysAndPreemptBack() throws Exception {
        lab = Lab.create(3, false);
        Path pcap = lab.dir().resolve("lan.pcap");
        lab.capture(pcap, "br0");
        var carpd = lab.h(1);
        var ucarp = lab.h(2);
        carpd.startCarpd();
        assertEquals(0, carpd.carpsysctl("-w", "net.inet.carp.preempt=1").exit());
        carp(carpd, "carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0", VIP, "255.255.255.0");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> carpd.holds(VIP)));
        ucarp.startUcarp("em0", "-v", "1", "-p", "lanpasswd", "-a", VIP, "-k", "100");
        Thread.sleep(6000);
        assertTrue(carpd.holds(VIP));
        assertFalse(ucarp.holds(VIP), "ucarp stays BACKUP behind carpd:\n" + ucarp.ucarpLog());
        assertTrue(lab.h(3).ping(VIP));

        long t = System.nanoTime();
        carpd.signal("TERM");
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> ucarp.holds(VIP)), ucarp.ucarpLog());
        System.out.println("ucarp took over " + (System.nanoTime() - t) / 1_000_000 + " ms after carpd's SIGTERM");
        assertTrue(ucarp.ucarpLog().contains("Putting MASTER DOWN (going to time out)"),
                "ucarp reacted to our 255/255 advert, not to a timeout:\n" + ucarp.ucarpLog());
        assertTrue(carpd.carpd().waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        assertFalse(carpd.holds(VIP));

        carpd.startCarpd();
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> carpd.holds(VIP) && !ucarp.holds(VIP)),
                "restored with preempt, carpd takes over from ucarp:\n" + carpd.log() + ucarp.ucarpLog());
        assertTrue(carpd.log().contains("preempting a slower master"), carpd.log());
        assertTrue(ucarp.ucarpLog().contains("Preferred master advertised: going back to BACKUP state"), ucarp.ucarpLog());
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(3).ping(VIP)));

        List<String> adverts = Captures.adverts(pcap);
        assertEquals(List.of(), Captures.bad(adverts));
        assertTrue(adverts.stream().anyMatch(a -> a.startsWith("00:00:5e:00:01:01,172.16.0.1,")), "ours");
        assertTrue(adverts.stream().anyMatch(a -> a.startsWith("00:00:5e:00:00:01,172.16.0.2,")), "ucarp's");
    }

    @Test
    void ucarpWithPreemptTakesOverFromCarpdAndCarpdTakesBackWhenUcarpsCableIsPulled() throws Exception {
        lab = Lab.create(3, false);
        var ucarp = lab.h(1);
        var carpd = lab.h(2);
        carpd.startCarpd();
        carp(carpd, "carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0", "advskew", "100", VIP + "/24");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> carpd.holds(VIP)));
        ucarp.startUcarp("em0", "-v", "1", "-p", "lanpasswd", "-a", VIP, "-k", "0", "--preempt");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> ucarp.holds(VIP) && !carpd.holds(VIP)),
                carpd.log() + ucarp.ucarpLog());
        assertTrue(carpd.log().contains("carp0: MASTER -> BACKUP (more frequent advertisement received)"), carpd.log());
        assertTrue(lab.h(3).ping(VIP));

        long t = System.nanoTime();
        ucarp.cut("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> carpd.holds(VIP)), carpd.log());
        System.out.println("carpd (advskew 100) took over " + (System.nanoTime() - t) / 1_000_000
                + " ms after ucarp's cable was pulled");
        assertTrue(carpd.log().contains("BACKUP -> MASTER (master timed out)"));
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(3).ping(VIP)));
    }

    @Test
    void equalSkewsAgreeOnOneMasterAfterASplit() throws Exception {
        lab = Lab.create(2, false);
        var carpd = lab.h(1);
        var ucarp = lab.h(2);
        carpd.startCarpd();
        carp(carpd, "carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0", VIP + "/24");
        ucarp.startUcarp("em0", "-v", "1", "-p", "lanpasswd", "-a", VIP);
        ucarp.detach("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> carpd.holds(VIP) && ucarp.holds(VIP)), "split brain");
        ucarp.heal("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> carpd.holds(VIP) ^ ucarp.holds(VIP)),
                carpd.log() + ucarp.ucarpLog());
        Thread.sleep(5000);
        assertTrue(carpd.holds(VIP) && !ucarp.holds(VIP),
                "172.16.0.1 wins by ucarp's own rule, and carpd agrees:\n" + carpd.log() + ucarp.ucarpLog());
    }

    @Test
    void aWrongPasswordIsLoggedAndCountedAsBadAuthentication() throws Exception {
        lab = Lab.create(2, false);
        var carpd = lab.h(1);
        carpd.startCarpd();
        assertEquals(0, carpd.carpsysctl("-w", "net.inet.carp.log=1").exit());
        carp(carpd, "carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0", "advskew", "50", VIP + "/24");
        lab.h(2).startUcarp("em0", "-v", "1", "-p", "wrongpasswd", "-a", VIP);
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () ->
                !carpd.carpsysctl("-n", "net.inet.carp.stats.badauth").out().trim().equals("0")));
        assertTrue(carpd.log().contains("dropped bad authentication: vhid 1 from 172.16.0.2"), carpd.log());
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(2).ucarpLog().contains("Bad digest")),
                "and ucarp says the same of ours once carpd advertises");
    }
}
