package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.carp4j.fuzz.Hostile;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An attacker on the segment (h3) captured fw1's bow-out advert during a maintenance `down` and
 * replays it later to pull the address to fw2. With net.inet.carp.replay=1 fw2 drops it.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES) // about 6 minutes (twenty ucarp restarts); the lab default is 5
class ReplayIT extends LabTest {
    static final String VIP = "172.16.0.100";

    private static long count(String log, String what) {
        return log.lines().filter(l -> l.contains(what)).count();
    }

    private Lab.Result replay(Path pcap) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.h(3).ns, "java", "-cp",
                System.getProperty("java.class.path"), Hostile.class.getName(), "replay", "em0", pcap.toString()));
        return Lab.Result.of(cmd);
    }

    @Test
    void aCapturedBowOutReplayedLaterIsDroppedOnlyWithReplayProtection() throws Exception {
        lab = Lab.create(3, false);
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            assertEquals(0, lab.h(i).carpsysctl("-w", "net.inet.carp.replay=1").exit());
            if (i == 1) {
                assertEquals(0, lab.h(i).carpsysctl("-w", "net.inet.carp.preempt=1").exit());
            }
            assertEquals(0, lab.h(i).carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100", VIP + "/24").exit());
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP)));
        Thread.sleep(4000);

        Path captured = lab.dir().resolve("bow-out.pcap");
        Process tcpdump = lab.capture(captured, "h1-em0", "ip proto 112 and ip[25] = 255"); // CARP byte 5: advbase 255
        Thread.sleep(500);
        assertEquals(0, lab.h(1).carpconfig("carp0", "down").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(2).holds(VIP)));
        assertEquals(0, lab.h(1).carpconfig("carp0", "up").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> lab.h(1).holds(VIP) && !lab.h(2).holds(VIP)));
        tcpdump.destroy();
        tcpdump.waitFor();
        assertTrue(Files.size(captured) > 24, "the bow-out was captured");
        Thread.sleep(3000);

        long bowOuts = count(lab.h(2).log(), "(master bowed out)");
        Lab.Result r = replay(captured);
        assertEquals(0, r.exit(), r.out() + r.err());
        Thread.sleep(1000);
        assertEquals(bowOuts, count(lab.h(2).log(), "(master bowed out)"), "no transition:\n" + lab.h(2).log());
        assertTrue(lab.h(1).holds(VIP) && !lab.h(2).holds(VIP));
        assertTrue(!lab.h(2).carpsysctl("-n", "net.inet.carp.stats.replay").out().trim().equals("0"));

        // Without the guard the same replay makes fw2 take over; fw1's next advert wins the
        // address back, so the attack is a flap, which is what a replayed advert can buy.
        assertEquals(0, lab.h(2).carpsysctl("-w", "net.inet.carp.replay=0").exit());
        r = replay(captured);
        assertEquals(0, r.exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> count(lab.h(2).log(), "(master bowed out)") > bowOuts),
                "without the guard the replay moves the address, as on the BSDs and ucarp:\n" + lab.h(2).log());
    }

    /**
     * Issue 13 item 3: the real ucarp counts from the first advert it hears and, restarted, sends
     * random counters again for as long as it hears nobody (carpd is a silent BACKUP). With
     * replay=1 carpd must see a restart there, not a replay: ucarp (preempt, advskew 0) is made to
     * count, killed with -9 and started again, 20 times; carpd (advskew 100) never times it out.
     */
    @Test
    void replayProtectionSurvivesTwentyUcarpRestarts() throws Exception {
        lab = Lab.create(2, false);
        var ucarp = lab.h(1);
        var carpd = lab.h(2);
        carpd.startCarpd();
        assertEquals(0, carpd.carpsysctl("-w", "net.inet.carp.replay=1").exit());
        assertEquals(0, carpd.carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0",
                "advskew", "100", VIP + "/24").exit());
        String[] args = {"-v", "1", "-p", "pw", "-a", VIP, "-k", "0", "--preempt"};
        ucarp.startUcarp("em0", args);
        int restarts = 20;
        for (int run = 1; run <= restarts; run++) {
            // carpd advertises once (forced MASTER); ucarp hears it, counts from its counter + 1 and
            // keeps the address; carpd hears the more frequent master and steps down
            assertEquals(0, carpd.carpconfig("carp0", "state", "master").exit());
            assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> ucarp.holds(VIP) && !carpd.holds(VIP)),
                    "run " + run + ":\n" + carpd.log() + ucarp.ucarpLog());
            Thread.sleep(4000); // at least three counting adverts: established in carpd's guard
            ucarp.signal(ucarp.ucarp(), "KILL");
            ucarp.ucarp().waitFor();
            ucarp.startUcarp("em0", args);
            // ucarp: BACKUP for 3 s, then MASTER again with random counters; carpd waits 4.17 s
            assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> ucarp.holds(VIP)), ucarp.ucarpLog());
            Thread.sleep(12_000); // a dozen random counters: each one a "replay" to a guard that missed the restart
        }
        String log = carpd.log();
        long timedOut = count(log, "BACKUP -> MASTER (master timed out)");
        System.out.println("ucarp restarted " + restarts + " times with replay=1: carpd took over spuriously "
                + timedOut + " times; replays counted "
                + carpd.carpsysctl("-n", "net.inet.carp.stats.replay").out().trim());
        assertEquals(0, timedOut, log);
    }
}
