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
        assertTrue(carpd.logged("preempting a slower master"), carpd.log());
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
        assertTrue(carpd.logged("carp0: MASTER -> BACKUP (more frequent advertisement received)"), carpd.log());
        assertTrue(lab.h(3).ping(VIP));

        long t = System.nanoTime();
        ucarp.cut("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> carpd.holds(VIP)), carpd.log());
        System.out.println("carpd (advskew 100) took over " + (System.nanoTime() - t) / 1_000_000
                + " ms after ucarp's cable was pulled");
        assertTrue(carpd.logged("BACKUP -> MASTER (master timed out)"));
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
        assertTrue(carpd.logged("dropped bad authentication: vhid 1 from 172.16.0.2"), carpd.log());
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(2).ucarpLog().contains("Bad digest")),
                "and ucarp says the same of ours once carpd advertises");
    }

    // ------------------------------------------------ issue 13, "Done means": more of the ucarp matrix

    /** advbase and advskew of every advert one host sent, by source address, from the capture. */
    private static List<String> timings(Path pcap, String source) throws Exception {
        return Captures.fields(pcap, "carp && ip.src == " + source, "carp.adver_int", "carp.advskew");
    }

    @Test
    void advbaseTwoOnBothSidesElectsAndFailsOverOnTheLongerTimers() throws Exception {
        lab = Lab.create(2, false);
        Path pcap = lab.dir().resolve("lan.pcap");
        lab.capture(pcap, "br0");
        var carpd = lab.h(1);
        var ucarp = lab.h(2);
        carpd.startCarpd();
        carp(carpd, "carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0", "advbase", "2", VIP + "/24");
        assertTrue(Lab.eventually(Duration.ofSeconds(15), () -> carpd.holds(VIP)));
        ucarp.startUcarp("em0", "-v", "1", "-p", "lanpasswd", "-a", VIP, "-b", "2", "-k", "100");
        Thread.sleep(9000); // longer than ucarp's master-down at advbase 2 (3 x 2 + 100/256 s)
        assertTrue(carpd.holds(VIP));
        assertFalse(ucarp.holds(VIP), "ucarp stays BACKUP behind a master advertising every 2 s:\n" + ucarp.ucarpLog());

        long t = System.nanoTime();
        carpd.cut("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(12), () -> ucarp.holds(VIP)), ucarp.ucarpLog());
        long ms = (System.nanoTime() - t) / 1_000_000;
        System.out.println("ucarp (advbase 2, advskew 100) took over " + ms + " ms after carpd's cable was pulled");
        assertTrue(ms > 4000, "on the advbase-2 timers, not at once: " + ms + " ms");

        carpd.heal("em0");
        // carpd comes back as BACKUP (no preempt) behind ucarp, which keeps advertising every 2 s
        assertTrue(Lab.eventually(Duration.ofSeconds(12), () -> ucarp.holds(VIP) && !carpd.holds(VIP)
                && timings(pcap, "172.16.0.2").size() >= 2), carpd.log() + ucarp.ucarpLog());
        assertTrue(carpd.carpconfig("carp0").out().contains("carp: BACKUP"), carpd.log());
        assertEquals(List.of("2,0"), timings(pcap, "172.16.0.1").stream().distinct().toList(), "carpd's adverts");
        assertEquals(List.of("2,100"), timings(pcap, "172.16.0.2").stream().distinct().toList(), "ucarp's adverts");
    }

    @Test
    void unequalAdvbaseTheMoreFrequentMasterWinsEitherWay() throws Exception {
        lab = Lab.create(2, false);
        var ucarp = lab.h(1); // 172.16.0.1: would win a tie on address, so only the interval can decide
        var carpd = lab.h(2);
        carpd.startCarpd();
        carp(carpd, "carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0", "advbase", "1", VIP + "/24");
        ucarp.startUcarp("em0", "-v", "1", "-p", "lanpasswd", "-a", VIP, "-b", "2");
        ucarp.detach("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(15), () -> carpd.holds(VIP) && ucarp.holds(VIP)), "split brain");
        ucarp.heal("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> carpd.holds(VIP) && !ucarp.holds(VIP)),
                "carpd at 1 s beats ucarp at 2 s:\n" + carpd.log() + ucarp.ucarpLog());
        Thread.sleep(7000);
        assertTrue(carpd.holds(VIP) && !ucarp.holds(VIP), carpd.log() + ucarp.ucarpLog());

        carp(carpd, "carp0", "advbase", "3"); // now ucarp is the more frequent one
        ucarp.detach("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(15), () -> carpd.holds(VIP) && ucarp.holds(VIP)), "split brain");
        ucarp.heal("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> ucarp.holds(VIP) && !carpd.holds(VIP)),
                "ucarp at 2 s beats carpd at 3 s:\n" + carpd.log() + ucarp.ucarpLog());
        assertTrue(carpd.logged("carp0: MASTER -> BACKUP (more frequent advertisement received)"), carpd.log());
        Thread.sleep(8000);
        assertTrue(ucarp.holds(VIP) && !carpd.holds(VIP), carpd.log() + ucarp.ucarpLog());
    }

    @Test
    void ucarpBackupTakesOverFromACarpdMasterKilledWithoutAWord() throws Exception {
        lab = Lab.create(2, false);
        Path pcap = lab.dir().resolve("lan.pcap");
        lab.capture(pcap, "br0");
        var carpd = lab.h(1);
        var ucarp = lab.h(2);
        carpd.startCarpd();
        carp(carpd, "carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0", VIP + "/24");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> carpd.holds(VIP)));
        ucarp.startUcarp("em0", "-v", "1", "-p", "lanpasswd", "-a", VIP, "-k", "100");
        Thread.sleep(5000);
        assertFalse(ucarp.holds(VIP), ucarp.ucarpLog());

        long t = System.nanoTime();
        carpd.signal("KILL");
        assertTrue(carpd.carpd().waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> ucarp.holds(VIP)), ucarp.ucarpLog());
        long ms = (System.nanoTime() - t) / 1_000_000;
        System.out.println("ucarp (advskew 100) took over " + ms + " ms after carpd was killed with SIGKILL");
        assertTrue(ms > 2500, "by its master-down timer (no bow-out from a killed daemon): " + ms + " ms");
        assertFalse(ucarp.ucarpLog().contains("Putting MASTER DOWN (going to time out)"),
                "no 255/255 advert came:\n" + ucarp.ucarpLog());
        List<String> ours = Captures.fields(pcap, "carp && ip.src == 172.16.0.1", "carp.adver_int");
        assertFalse(ours.contains("255"), "a killed carpd sends no bow-out");
    }

    /**
     * A tie (equal advbase and advskew, both MASTER after a split) between 172.16.0.2 and 172.16.1.1,
     * whose orderings disagree: numerically 172.16.0.2 is lower, but ucarp on x86 compares s_addr
     * as a little-endian integer (last octet most significant), 1.1.16.172 < 2.0.16.172, so
     * 172.16.1.1 wins. carpd is given one address and ucarp the other; both must agree on ucarp's
     * winner. Returns once the split has healed to one master.
     */
    private void tie(String carpdAddress, String ucarpAddress) throws Exception {
        lab = Lab.create(2, false);
        var carpd = lab.h(1);
        var ucarp = lab.h(2);
        carpd.exec("ip", "addr", "flush", "dev", "em0");
        carpd.exec("ip", "addr", "add", carpdAddress + "/16", "dev", "em0");
        ucarp.exec("ip", "addr", "flush", "dev", "em0");
        ucarp.exec("ip", "addr", "add", ucarpAddress + "/16", "dev", "em0");
        carpd.startCarpd();
        carp(carpd, "carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0", VIP + "/16");
        ucarp.startUcarp("em0", "-v", "1", "-p", "lanpasswd", "-a", VIP, "-s", ucarpAddress); // the last -s counts
        ucarp.detach("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> carpd.holds(VIP) && ucarp.holds(VIP)), "split brain");
        assertTrue(carpd.carpconfig("carp0").out().contains("carp: MASTER"));
        assertTrue(ucarp.ucarpLog().contains("Switching to state: MASTER"), ucarp.ucarpLog());
        ucarp.heal("em0");
    }

    /** What ucarp logged since the split healed (its last state switch). */
    private static String lastUcarpState(Lab.Host ucarp) throws Exception {
        List<String> switches = ucarp.ucarpLog().lines().filter(l -> l.contains("Switching to state")).toList();
        return switches.get(switches.size() - 1);
    }

    @Test
    void aTieBetweenAddressesWhoseOrderingsDisagreeEndsWithTheMasterUcarpChooses() throws Exception {
        tie("172.16.1.1", "172.16.0.2");
        var carpd = lab.h(1);
        var ucarp = lab.h(2);
        assertTrue(Lab.eventually(Duration.ofSeconds(6), () -> carpd.holds(VIP) && !ucarp.holds(VIP)),
                carpd.log() + ucarp.ucarpLog());
        Thread.sleep(4000); // the decision must hold, not just happen: several adverts each way
        assertTrue(carpd.holds(VIP) && !ucarp.holds(VIP),
                "172.16.1.1 (carpd) wins by ucarp's rule and carpd agrees:\n" + carpd.log() + ucarp.ucarpLog());
        // carpd's view: still MASTER, never stepped down; ucarp's view: it gave way to a preferred master
        assertTrue(carpd.carpconfig("carp0").out().contains("carp: MASTER"));
        assertTrue(carpd.log().lines().filter(l -> l.contains("-> MASTER")).count() == 1
                && !carpd.log().contains("MASTER -> BACKUP"), "carpd never stepped down:\n" + carpd.log());
        assertTrue(ucarp.ucarpLog().contains("Preferred master advertised: going back to BACKUP state"), ucarp.ucarpLog());
        assertTrue(lastUcarpState(ucarp).contains("BACKUP"), ucarp.ucarpLog());
    }

    @Test
    void theSameTieTheOtherWayRoundCarpdGivesWayToUcarp() throws Exception {
        tie("172.16.0.2", "172.16.1.1");
        var carpd = lab.h(1);
        var ucarp = lab.h(2);
        assertTrue(Lab.eventually(Duration.ofSeconds(6), () -> ucarp.holds(VIP) && !carpd.holds(VIP)),
                "carpd, numerically lower, steps down:\n" + carpd.log() + ucarp.ucarpLog());
        Thread.sleep(4000); // the decision must hold: a numeric comparison would leave both MASTER
        assertTrue(ucarp.holds(VIP) && !carpd.holds(VIP),
                "172.16.1.1 (ucarp) wins by ucarp's rule and carpd agrees:\n" + carpd.log() + ucarp.ucarpLog());
        // carpd's view: BACKUP, for the tie-break's reason; ucarp's view: still MASTER
        assertTrue(carpd.carpconfig("carp0").out().contains("carp: BACKUP"), carpd.carpconfig("carp0").out());
        assertTrue(carpd.logged("carp0: MASTER -> BACKUP (equal master with lower address advertised)"),
                carpd.log());
        assertTrue(lastUcarpState(ucarp).contains("MASTER"), ucarp.ucarpLog());
        assertFalse(ucarp.ucarpLog().contains("going back to BACKUP"), ucarp.ucarpLog());
    }
}
