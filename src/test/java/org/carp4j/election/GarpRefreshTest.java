package org.carp4j.election;

import static org.carp4j.election.SimLab.S;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** net.inet.carp.garprefresh: a master re-announces its addresses every N seconds. */
class GarpRefreshTest {
    private static List<Long> garps(SimLab lab, String host) {
        return lab.trace().stream().filter(e -> e.host().equals(host) && e.action() instanceof Action.SendFrame f
                && f.kind() == Action.FrameKind.GARP).map(SimLab.Entry::at).toList();
    }

    @Test
    void onTakeoverTwoAdvertsLaterAndThenEveryNSeconds() {
        SimLab lab = new SimLab(31);
        lab.host("h1").nic("em0", "lan", "172.16.0.1/24").sysctl("garprefresh", 5)
                .carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
        lab.runUntil(20 * S);
        // master at 3 s: GARP at once, the delayed one two adverts later (5 s), then every 5 s
        assertEquals(List.of(3 * S, 5 * S, 8 * S, 13 * S, 18 * S), garps(lab, "h1"));
    }

    @Test
    void offByDefaultAndStopsWhenTurnedOff() {
        SimLab lab = new SimLab(32);
        var h = lab.host("h1").nic("em0", "lan", "172.16.0.1/24").carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
        lab.runUntil(20 * S);
        assertEquals(List.of(3 * S, 5 * S), garps(lab, "h1"));
        h.sysctl("garprefresh", 2);
        lab.runUntil(25 * S);
        assertEquals(List.of(3 * S, 5 * S, 22 * S, 24 * S), garps(lab, "h1"));
        h.sysctl("garprefresh", 0);
        lab.runUntil(40 * S);
        assertEquals(4, garps(lab, "h1").size());
    }
}
