package org.carp4j.election;

import static org.carp4j.election.SimLab.MS;
import static org.carp4j.election.SimLab.S;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One host, many masters: an advert due within 1/64 of its interval (15.6 ms at advbase 1) goes
 * out on the wake-up another interface's timer caused, and keeps its own period; nothing else is
 * sent early. Times are written out: a lone interface becomes MASTER 3 s after it comes up (3 x 1 s,
 * no peer), sends at once, then every 1 s.
 */
class AdvertSlackTest {
    private static List<Long> adverts(SimLab lab, String ifname) {
        return lab.trace().stream().filter(e -> e.action() instanceof Action.SendFrame f
                && f.kind() == Action.FrameKind.ADVERT && f.ifname().equals(ifname)).map(SimLab.Entry::at).toList();
    }

    private static long becameMaster(SimLab lab, String ifname) {
        return lab.transitions("fw1", ifname).stream().filter(e -> ((Action.StateChange) e.action()).to()
                == CarpState.MASTER).findFirst().orElseThrow().at();
    }

    @Test
    void anAdvertDueWithinItsSlackGoesOutWithTheOneThatWokeTheLoop() {
        SimLab lab = new SimLab(1);
        var fw1 = lab.host("fw1").nic("em0", "lan", "172.16.0.1/24");
        fw1.carp("carp1", 1, "pw", "em0", 0, "172.16.0.101/24");
        lab.runUntil(5 * MS);
        fw1.carp("carp2", 2, "pw", "em0", 0, "172.16.0.102/24");  // 5 ms behind: within 15.6 ms
        lab.runUntil(25 * MS);
        fw1.carp("carp3", 3, "pw", "em0", 0, "172.16.0.103/24");  // 25 ms behind: outside it
        lab.runUntil(6 * S + 100 * MS);

        // master-down is never early: each goes MASTER exactly 3 s after it came up
        assertEquals(3_000_000_000L, becameMaster(lab, "carp1"));
        assertEquals(3_005_000_000L, becameMaster(lab, "carp2"));
        assertEquals(3_025_000_000L, becameMaster(lab, "carp3"));

        assertEquals(List.of(3_000_000_000L, 4_000_000_000L, 5_000_000_000L, 6_000_000_000L), adverts(lab, "carp1"));
        // due at 4.005 s, 5.005 s, ...: sent 5 ms early on carp1's wake-up, still one a second
        assertEquals(List.of(3_005_000_000L, 4_000_000_000L, 5_000_000_000L, 6_000_000_000L), adverts(lab, "carp2"));
        assertEquals(List.of(3_025_000_000L, 4_025_000_000L, 5_025_000_000L, 6_025_000_000L), adverts(lab, "carp3"));
    }

    @Test
    void theSlackIsASixtyFourthOfTheIntervalAtMost15Point6Ms() {
        assertEquals(15_625_000L, VirtualHost.advertSlack(1_000_000_000L));      // advbase 1
        assertEquals(15_625_000L, VirtualHost.advertSlack(255_000_000_000L));    // advbase 255: still 15.6 ms
        assertEquals(488_281L, VirtualHost.advertSlack(31_250_000L));            // advbase 0 advskew 8
        assertEquals(61_035L, VirtualHost.advertSlack(3_906_250L));              // advbase 0 advskew 1
    }
}
