package org.carp4j.lab;

import static org.carp4j.lab.BehavioursIT.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a restarted carpd (SIGTERM or kill -9, then started again) brings back: the demote counter,
 * and, without preempt, no claim on the VIP the peer took meanwhile. h1 (advskew 0) is the
 * preferred master, h2 (advskew 100) the backup.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RestartBehavioursIT extends LabTest {
    static final String VIP = "172.16.0.100";

    private void pair(boolean preempt) throws Exception {
        lab = Lab.create(2, false);
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            if (preempt) {
                ok(lab.h(i), "carpsysctl", "-w", "net.inet.carp.preempt=1");
            }
            ok(lab.h(i), "carpconfig", "carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100", VIP + "/24");
            if (i == 1) {
                assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP)), lab.h(1).log());
            }
        }
    }

    private void restart(Lab.Host h, String signal) throws Exception {
        h.signal(signal);
        assertTrue(h.carpd().waitFor(15, TimeUnit.SECONDS), signal);
        h.startCarpd();
        assertTrue(h.carpd().isAlive(), h.log());
    }

    /** Longer than a master-down (3 s): the host stays BACKUP and the peer keeps the VIP. */
    private static void staysBackup(Lab.Host h, Lab.Host master) throws Exception {
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> h.carpconfig("carp0").out().contains("carp: BACKUP")),
                h.carpconfig("carp0").out());
        Thread.sleep(3500);
        assertTrue(h.carpconfig("carp0").out().contains("carp: BACKUP"), h.log());
        assertFalse(h.holds(VIP), h.log());
        assertTrue(master.holds(VIP), master.log());
    }

    @Test
    void theDemoteCounterSurvivesSigtermAndKillMinus9AndIsAdvertised() throws Exception {
        pair(true);
        Lab.Host h1 = lab.h(1);
        Lab.Host h2 = lab.h(2);
        Path pcap = lab.dir().resolve("lan.pcap");
        Process tcpdump = lab.capture(pcap, "br0", "ip proto 112");

        ok(h1, "carpconfig", "-g", "carp", "carpdemote", "50");
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> h2.holds(VIP) && !h1.holds(VIP)),
                "the peer takes over from a demoted master: " + h2.log());
        assertTrue(h2.logged("BACKUP -> MASTER (master is demoted)"), h2.log());

        for (String signal : List.of("TERM", "KILL")) {
            restart(h1, signal);
            assertEquals("carp: carp demote count 50\n", h1.carpconfig("-g", "carp").out(), "after SIG" + signal);
            staysBackup(h1, h2); // advskew 0 and preempt, but demoted: it does not take the VIP back
        }

        int before = Captures.fields(pcap, "carp", "ip.src").size(); // the adverts since the restarts
        ok(h2, "carpconfig", "carp0", "down");
        assertTrue(Lab.eventually(Duration.ofSeconds(2), () -> h1.holds(VIP)), "h2 bowed out: " + h1.log());
        ok(h2, "carpconfig", "carp0", "up");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> h2.holds(VIP) && !h1.holds(VIP)),
                "back up, the undemoted peer takes over again: " + h2.log());

        ok(h1, "carpconfig", "-g", "carp", "-carpdemote", "50");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> h1.holds(VIP) && !h2.holds(VIP)),
                "undemoted, h1 preempts again: " + h1.log());
        // the capture hands frames over in blocks: wait for h1's undemoted advert to be written
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> Captures.fields(pcap, "carp && ip.src == " + h1.address()
                + " && carp.demotion == 0 && carp.advskew == 0", "frame.number").size() > 1), "demote 0 on the wire");
        tcpdump.destroy();
        tcpdump.waitFor();

        List<String> all = Captures.fields(pcap, "carp", "ip.src", "carp.demotion", "carp.advskew");
        List<String> ownWhileDemoted = all.subList(before, all.size()).stream()
                .dropWhile(l -> !l.startsWith(h2.address() + ",0,255")) // h2's bow-out on `down`
                .takeWhile(l -> !l.startsWith(h2.address() + ",0,100")) // h2 MASTER again
                .filter(l -> l.startsWith(h1.address() + ",")).toList();
        assertTrue(!ownWhileDemoted.isEmpty() && ownWhileDemoted.stream().allMatch(l -> l.startsWith(h1.address() + ",50,0")),
                "the restarted h1, MASTER after h2's down, advertised demote 50: " + all.subList(before, all.size()));
    }

    @Test
    void withoutPreemptARestartedMasterComesBackAsBackupAndLeavesTheVip() throws Exception {
        pair(false);
        Lab.Host h1 = lab.h(1);
        Lab.Host h2 = lab.h(2);

        h1.signal("KILL");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> h2.holds(VIP)), h2.log());
        h1.startCarpd();
        staysBackup(h1, h2); // advskew 0 against 100, but preempt is 0

        ok(h2, "carpconfig", "carp0", "down"); // the admin hands the VIP back to h1
        assertTrue(Lab.eventually(Duration.ofSeconds(2), () -> h1.holds(VIP)), h1.log());
        ok(h2, "carpconfig", "carp0", "up");
        restart(h1, "TERM"); // SIGTERM bows out: h2 takes over at once
        staysBackup(h1, h2);
        assertTrue(h2.logged("BACKUP -> MASTER (master bowed out)"), h2.log());
    }
}
