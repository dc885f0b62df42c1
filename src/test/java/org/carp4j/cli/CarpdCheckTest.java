package org.carp4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.carp4j.daemon.Carpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** carpd --check: a state file prepared by hand, every problem with its place, exit codes as documented. */
class CarpdCheckTest {
    private record Outcome(int exit, String out) {
    }

    private static Outcome check(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new Carpd()).execute(args);
            return new Outcome(exit, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void theHandbookExampleIsValid() {
        Path example = Path.of(System.getProperty("carp4j.root", "."), "etc", "carpd.json.example");
        Outcome o = check("--check", example.toString());
        assertEquals(0, o.exit());
        assertEquals("carpd: " + example + ": valid (2 carp interfaces)\n", o.out());
    }

    @Test
    void everyProblemIsNamedWithItsPath(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("mine.json");
        Files.writeString(f, """
                {"version": 1, "sysctl": {"preempt": 2},
                 "interfaces": [ {"name": "carp0", "vhid": 1, "carpdev": "em0", "advskew": 300},
                                 {"name": "carp1", "vhid": 1, "carpdev": "em0"} ] }""");
        Outcome o = check("--check", f.toString());
        assertEquals(78, o.exit());
        assertEquals(String.join("\n",
                "carpd: " + f + ": sysctl.preempt: 2 out of range 0..1",
                "carpd: " + f + ": interfaces[0].advskew: 300 out of range 0..254",
                "carpd: " + f + ": interfaces[1].vhid: vhid 1 on em0 already used by carp0") + "\n", o.out());
        assertEquals(74, check("--check", dir.resolve("absent.json").toString()).exit());
    }

    @Test
    void withoutAFileItChecksTheStateDirectory(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("carpd.json"), "{\"version\": 1}");
        Outcome o = check("--check", "--state-dir", dir.toString());
        assertEquals(0, o.exit(), o.out());
    }
}
