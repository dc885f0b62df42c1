package org.carp4j.election;

import static org.carp4j.election.SimLab.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Item 4 of issue 15: a demoted host and a wrong password say why, at the default log level. */
class ShowWhyTest {
    private static List<String> logs(SimLab lab, String host) {
        return lab.trace().stream().filter(e -> e.host().equals(host) && e.action() instanceof Action.Log)
                .map(e -> ((Action.Log) e.action()).message()).toList();
    }

    @Test
    void aDeadCarpdevDemotesTheHostAndSaysSo() {
        SimLab lab = new SimLab(3);
        SimLab.Host fw1 = lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").nic("em1", "wan", "192.0.2.1/24")
                .sysctl("preempt", 1)
                .carp("carp0", 1, "lanpasswd", "em0", 0, "172.16.0.100/24")
                .carp("carp1", 2, "wanpasswd", "em1", 0, "192.0.2.100/24");
        lab.runUntil(10 * S);
        assertNull(fw1.engine.demotion());
        assertEquals(0, fw1.engine.advskewSent("carp0"));

        fw1.cut("em1");
        lab.runFor(S);
        assertEquals("carpdev em1 link down", fw1.engine.demotion());
        assertEquals(240, fw1.engine.advskewSent("carp0"));
        assertTrue(logs(lab, "fw1").contains("every carp interface advertises advskew 240 (demoted: carpdev em1 link down)"),
                logs(lab, "fw1").toString());

        fw1.heal("em1");
        lab.runFor(S);
        assertNull(fw1.engine.demotion());
        assertEquals(0, fw1.engine.advskewSent("carp0"));
        assertTrue(logs(lab, "fw1").contains("demotion lifted: carp interfaces advertise their own advskew again"));
    }

    @Test
    void aWrongPasswordIsLoggedAtLogZeroAndNamedWhenTheMasterTimesOut() {
        SimLab lab = new SimLab(4);
        lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").carp("carp0", 1, "lanpasswd", "em0", 0, "172.16.0.100/24");
        lab.runUntil(5 * S);
        lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").carp("carp0", 1, "typo", "em0", 100, "172.16.0.100/24");
        lab.runFor(65 * S);

        List<String> warned = logs(lab, "fw2").stream().filter(l -> l.contains("bad authentication")).toList();
        assertEquals("em0: dropped bad authentication: vhid 1 from 172.16.0.1 (check vhid, password and addresses)",
                warned.get(0));
        assertEquals(2, warned.size(), "once a minute per source and vhid: " + warned);
        var t = lab.transitions("fw2", "carp0");
        assertEquals("master timed out (advertisements from 172.16.0.1 failed authentication: check pass)",
                ((Action.StateChange) t.get(t.size() - 1).action()).why());
    }
}
