package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** State-change hooks on a real daemon: in order, never overlapping, time-limited, failures logged. */
class HooksIT extends LabTest {

    private static void script(Path p, String body) throws Exception {
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Lab.Result.of(List.of("chmod", "+x", p.toString()));
    }

    @Test
    void hooksRunInOrderOneAtATimeAndUcarpScriptsToo() throws Exception {
        lab = Lab.create(1, false);
        var h = lab.h(1);
        Path out = lab.dir().resolve("hooks.log");
        Path dir = Files.createDirectories(h.stateDir.resolve("hooks.d"));
        script(dir.resolve("10-slow"), "echo \"begin $1 $2 $3 $4 [$CARP_ADDRESSES]\" >> " + out + "; sleep 1; echo \"end $4\" >> " + out);
        script(dir.resolve("20-next"), "echo \"next $4\" >> " + out);
        script(dir.resolve("30-fails"), "exit 3");
        script(dir.resolve("40-hangs"), "sleep 30");
        Files.writeString(dir.resolve("50-not-executable"), "echo never >> " + out);
        Path up = lab.dir().resolve("up.sh");
        Path down = lab.dir().resolve("down.sh");
        script(up, "echo \"up $1 $2\" >> " + out);
        script(down, "echo \"down $1 $2\" >> " + out);
        h.startCarpd("--hook-timeout", "2", "--upscript", up.toString(), "--downscript", down.toString());

        assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "carpdev", "em0", "172.16.0.100/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(20), () -> Files.exists(out) && Files.readString(out).contains("up em0")));
        assertEquals(0, h.carpconfig("carp0", "down").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(20), () -> Files.readString(out).contains("down em0")));
        assertEquals(List.of(
                "begin carp0 1 INIT BACKUP [172.16.0.100/24]", "end BACKUP", "next BACKUP",
                "begin carp0 1 BACKUP MASTER [172.16.0.100/24]", "end MASTER", "next MASTER", "up em0 172.16.0.100",
                "begin carp0 1 MASTER INIT [172.16.0.100/24]", "end INIT", "next INIT", "down em0 172.16.0.100"),
                Files.readAllLines(out), "each transition's hooks in name order, the next transition's only after");
        String log = h.log();
        assertTrue(log.contains("30-fails exited 3"), log);
        assertTrue(log.contains("40-hangs killed after 2000 ms"), log);
        assertFalse(h.holds("172.16.0.100"));
    }
}
