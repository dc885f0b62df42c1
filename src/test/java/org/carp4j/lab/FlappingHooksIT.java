package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A slow hook while an admin flaps the group far faster than the hook runs: carpd keeps at most
 * 64 transitions waiting (the oldest make room, counted in carp_hooks_dropped_total), the hooks
 * that run never overlap and keep the transitions' order, and the last one reports where the
 * group ended.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FlappingHooksIT extends LabTest {
    static final int METRICS = 9112;
    static final int FLAPS = 150;
    private static final Pattern TRANSITION = Pattern.compile("msg=\"carp0: (\\w+) -> (\\w+) ");

    @Test
    void aSlowHookUnderAFlappingGroupRunsInOrderOneAtATimeWithABoundedBacklogAndEndsOnTheFinalState() throws Exception {
        lab = Lab.create(1, false);
        Lab.Host h = lab.h(1);
        Path out = lab.dir().resolve("hooks.log");
        Path dir = Files.createDirectories(h.stateDir.resolve("hooks.d"));
        Path hook = dir.resolve("10-slow");
        Files.writeString(hook, "#!/bin/sh\necho \"begin $3 $4\" >> " + out + "; sleep 0.1; echo \"end $4\" >> " + out + "\n");
        Lab.sh("chmod", "+x", hook.toString());
        h.startCarpd("--metrics-port", Integer.toString(METRICS));
        assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0", "172.16.0.100/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> Files.readString(out).endsWith("end MASTER\n")), h.log());

        // the admin flaps it: 300 transitions in a second or two, each hook run takes 0.1 s
        Path script = lab.dir().resolve("flap.carpsh");
        Files.writeString(script, "ifconfig carp0 down\nifconfig carp0 up\n".repeat(FLAPS));
        Lab.Result flap = Lab.Result.of(List.of("ip", "netns", "exec", h.ns, "env", "CARPD_STATE_DIR=" + h.stateDir,
                "sh", "-c", Lab.ROOT.resolve("bin/carpsh") + " < " + script));
        assertEquals(0, flap.exit(), flap.out() + flap.err());

        // up leaves it BACKUP; alone on the segment it is MASTER after the master-down interval
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> h.holds("172.16.0.100")), h.log());
        // every transition either ran its hook or was counted as dropped, the last one's hook included
        assertTrue(Lab.eventually(Duration.ofSeconds(30), () -> runs(out) + droppedHooks(h) == transitions(h).size()
                && Files.readString(out).endsWith("end MASTER\n")),
                "hooks ran " + runs(out) + ", dropped " + droppedHooks(h) + ", transitions " + transitions(h).size());
        List<String[]> transitions = transitions(h);
        assertTrue(transitions.size() >= 2 * FLAPS + 2, transitions.size() + " transitions\n" + h.log());
        long dropped = droppedHooks(h);
        List<String> lines = Files.readAllLines(out);
        assertTrue(dropped > 0 && dropped <= transitions.size() - 64, "the backlog was full and bounded: " + dropped);
        assertTrue(h.logged("more than 64 transitions wait for their hooks"), h.log());

        // never overlapping: begin and end alternate; in order: the runs are a subsequence of the transitions
        int next = 0;
        for (int i = 0; i < lines.size(); i += 2) {
            String[] run = lines.get(i).split(" ");
            assertEquals("begin", run[0], "line " + i + ": " + lines);
            assertEquals("end " + run[2], lines.get(i + 1), "a hook began before the previous one ended: " + lines);
            while (next < transitions.size()
                    && !(transitions.get(next)[0].equals(run[1]) && transitions.get(next)[1].equals(run[2]))) {
                next++;
            }
            assertTrue(next < transitions.size(), "hook run " + lines.get(i) + " out of the transitions' order");
            next++;
        }
        assertEquals(transitions.size(), next, "the last hook run is the last transition");
        assertEquals("begin BACKUP MASTER", lines.get(lines.size() - 2));
        assertTrue(h.carpconfig("carp0").out().contains("carp: MASTER"));
        System.out.println("flapping under a 0.1 s hook: " + transitions.size() + " transitions, "
                + lines.size() / 2 + " hook runs, " + dropped + " dropped");
    }

    /** The transitions carpd logged, as [from, to]. */
    private static List<String[]> transitions(Lab.Host h) throws Exception {
        List<String[]> transitions = new ArrayList<>();
        Matcher m = TRANSITION.matcher(h.log());
        while (m.find()) {
            transitions.add(new String[] {m.group(1), m.group(2)});
        }
        return transitions;
    }

    /** Hook runs begun so far. */
    private static int runs(Path out) throws Exception {
        return (int) Files.readAllLines(out).stream().filter(l -> l.startsWith("begin ")).count();
    }

    private static long droppedHooks(Lab.Host h) throws Exception {
        Matcher m = Pattern.compile("(?m)^carp_hooks_dropped_total (\\d+)").matcher(h.scrape(METRICS));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
