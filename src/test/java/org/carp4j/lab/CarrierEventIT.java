package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Carrier and address changes reach carpd as rtnetlink events, not through a poll (the poll is a
 * 2 s safety net now): the master's em0 going down demotes its other group at once, and a carp
 * interface or a VIP deleted by hand is back well before the next poll.
 */
@Timeout(120)
class CarrierEventIT extends LabTest {
    static final String LAN_VIP = "172.16.0.100";
    static final String WAN_VIP = "192.0.2.100";
    /** Well under the 2 s safety poll: what passes this bound was seen through an event. */
    static final long EVENT_BOUND_MS = 1000;

    /** h1 MASTER of carp0 (em0) and carp1 (em1), h2 their BACKUP (advskew 100), preempt on both. */
    private void pair() throws Exception {
        lab = Lab.create(3, true);
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            assertEquals(0, lab.h(i).carpsysctl("net.inet.carp.preempt=1").exit());
            String skew = i == 1 ? "0" : "100";
            for (String[] g : new String[][] {{"carp0", "1", "em0", LAN_VIP}, {"carp1", "2", "em1", WAN_VIP}}) {
                assertEquals(0, lab.h(i).carpconfig(g[0], "create").exit());
                Lab.Result r = lab.h(i).carpconfig(g[0], "vhid", g[1], "pass", "pw" + g[1], "carpdev", g[2],
                        "advskew", skew, g[3], "255.255.255.0");
                assertEquals(0, r.exit(), r.err());
            }
            if (i == 1) {
                assertTrue(Lab.eventually(Duration.ofSeconds(10),
                        () -> lab.h(1).holds(LAN_VIP) && lab.h(1).holds(WAN_VIP)), lab.h(1).log());
            }
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(2).carpconfig("carp1").out().contains("BACKUP")));
    }

    /** The time of the first log line containing text (carpd stamps its lines with the same clock). */
    private static Instant logged(String log, String text) {
        for (String line : log.lines().toList()) {
            if (line.contains(text)) {
                Matcher m = Pattern.compile("^time=(\\S+)").matcher(line);
                if (m.find()) {
                    return Instant.parse(m.group(1));
                }
            }
        }
        return null;
    }

    @Test
    void em0DownOnTheMasterDemotesItsOtherGroupAtOnceAndTheBackupTakesBoth() throws Exception {
        pair();
        Path wan = lab.dir().resolve("wan.pcap");
        Process capture = lab.capture(wan, "br1");
        Instant down = Instant.now();
        lab.h(1).exec("ip", "link", "set", "em0", "down");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> logged(lab.h(1).log(), "em0: link down") != null),
                lab.h(1).log());
        long seenMs = Duration.between(down, logged(lab.h(1).log(), "em0: link down")).toMillis();
        assertTrue(seenMs < EVENT_BOUND_MS, "carrier loss seen " + seenMs + " ms after it happened");

        // the healthy WAN group moves by preemption (h1 now advertises advskew 240), the LAN one by timeout
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(2).holds(WAN_VIP)), lab.h(2).log());
        assertTrue(lab.h(2).logged("carp1: BACKUP -> MASTER (preempting a slower master)"), lab.h(2).log());
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(2).holds(LAN_VIP)), lab.h(2).log());
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> !lab.h(1).holds(LAN_VIP) && !lab.h(1).holds(WAN_VIP)),
                lab.h(1).addresses());
        assertTrue(lab.h(1).carpconfig("carp0").out().contains("carp: INIT"), lab.h(1).carpconfig("carp0").out());
        assertTrue(lab.h(1).carpconfig("carp1").out().contains("carp: BACKUP"), lab.h(1).carpconfig("carp1").out());
        capture.destroy();
        capture.waitFor();
        assertTrue(Captures.adverts(wan).stream().anyMatch(l -> l.startsWith("00:00:5e:00:01:02,192.0.2.1,2,240,")),
                "h1 advertised the demotion (advskew 240) on the WAN while em0 was down");
        System.out.println("em0 down on the master: carrier loss logged after " + seenMs + " ms");

        lab.h(1).exec("ip", "link", "set", "em0", "up");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(LAN_VIP) && lab.h(1).holds(WAN_VIP)
                && !lab.h(2).holds(LAN_VIP) && !lab.h(2).holds(WAN_VIP)), "preempt brings both back: " + lab.h(1).log());
    }

    @Test
    void aVipDeletedByHandIsBackBeforeTheSafetyPoll() throws Exception {
        pair();
        Thread.sleep(2500); // past the first safety polls, so the next one is not what puts it back
        long del = System.nanoTime();
        lab.h(1).exec("ip", "addr", "del", LAN_VIP + "/24", "dev", "carp0");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> lab.h(1).holds(LAN_VIP)), lab.h(1).log());
        long ms = (System.nanoTime() - del) / 1_000_000;
        System.out.println("VIP back after ip addr del (event): " + ms + " ms");
        assertTrue(ms < EVENT_BOUND_MS, "back after " + ms + " ms");
        assertTrue(lab.h(1).logged(LAN_VIP + "/24 vanished from the host; re-adding"), lab.h(1).log());
        assertFalse(lab.h(2).holds(LAN_VIP));
    }

    @Test
    void aCarpInterfaceDeletedByHandIsBackBeforeTheSafetyPoll() throws Exception {
        pair();
        Thread.sleep(2500);
        long del = System.nanoTime();
        lab.h(1).exec("ip", "link", "del", "carp1");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> lab.h(1).holds(WAN_VIP)), lab.h(1).log());
        long ms = (System.nanoTime() - del) / 1_000_000;
        System.out.println("carp1 and its VIP back after ip link del (event): " + ms + " ms");
        assertTrue(ms < EVENT_BOUND_MS, "back after " + ms + " ms");
        assertTrue(lab.h(1).logged("carp1 vanished from the host; recreating"), lab.h(1).log());
        assertFalse(lab.h(2).holds(WAN_VIP));
    }
}
