package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.carp4j.fuzz.Hostile;
import org.junit.jupiter.api.Test;

/**
 * An attacker on the segment (h3) captured fw1's bow-out advert during a maintenance `down` and
 * replays it later to pull the address to fw2. With net.inet.carp.replay=1 fw2 drops it.
 */
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
}
