package org.carp4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShellLineTest {
    @Test
    void handbookPromptAndCommandNamesAreAccepted() {
        var c = ShellLine.parse("# sysctl -w net.inet.carp.allow=1").orElseThrow();
        assertEquals("carpsysctl", c.program());
        assertEquals(List.of("-w", "net.inet.carp.allow=1"), c.args());
        assertEquals("carpconfig", ShellLine.parse("ifconfig carp0 create").orElseThrow().program());
        assertEquals("carpconfig", ShellLine.parse("  carpconfig carp0").orElseThrow().program());
    }

    @Test
    void commentsAndBlankLinesDoNothing() {
        assertTrue(ShellLine.parse("#Enable preemption and group interface failover").isEmpty());
        assertTrue(ShellLine.parse("#Configure CARP on the LAN side").isEmpty());
        assertTrue(ShellLine.parse("   ").isEmpty());
        assertTrue(ShellLine.parse("#").isEmpty());
    }

    @Test
    void continuationAndQuotes() {
        assertTrue(ShellLine.continues("# ifconfig carp0 vhid 1 pass lanpasswd \\"));
        assertFalse(ShellLine.continues("ifconfig carp0 pass a\\\\"));
        assertEquals("# ifconfig carp0 vhid 1 ", ShellLine.withoutContinuation("# ifconfig carp0 vhid 1 \\"));
        assertEquals(List.of("carp0", "pass", "two words"), ShellLine.words("carp0 pass 'two words'"));
        assertEquals(List.of("a b"), ShellLine.words("a\\ b"));
        assertThrows(IllegalArgumentException.class, () -> ShellLine.words("pass 'open"));
    }

    @Test
    void completerOffersWhatFitsTheWordBefore() {
        ShellCompleter c = new ShellCompleter(() -> List.of("carp0", "carp1"));
        assertTrue(c.candidates(List.of()).containsAll(List.of("carpconfig", "ifconfig", "sysctl", "help")));
        assertEquals(List.of("carp0", "carp1", "-a", "-l", "-g"), c.candidates(List.of("ifconfig")));
        assertEquals(List.of("init", "backup", "master"), c.candidates(List.of("carpconfig", "carp0", "state")));
        assertTrue(c.candidates(List.of("carpconfig", "carp0")).contains("advskew"));
        assertEquals(List.of("0", "1"), c.candidates(List.of("carpconfig", "carp0", "advbase")));
        assertTrue(c.candidates(List.of("sysctl")).contains("net.inet.carp.preempt"));
        assertEquals(List.of(), c.candidates(List.of("carpconfig", "carp0", "vhid")));
    }

    /** Item 6 of issue 15: ";" separates commands, pasted prompts go, comments stay comments. */
    @org.junit.jupiter.api.Test
    void semicolonsAndPastedPrompts() {
        var both = ShellLine.parseAll("ifconfig carp0 create; ifconfig carp0 vhid 1 pass 'a;b'");
        assertEquals(2, both.size());
        assertEquals(java.util.List.of("carp0", "vhid", "1", "pass", "a;b"), both.get(1).args());
        for (String prompt : new String[] {"# ", "#", "$ ", "% ", "fw1# ", "root@fw1:~# ", "fw1> ", "user@h:/etc$ "}) {
            var c = ShellLine.parseAll(prompt + "sysctl net.inet.carp.preempt=1");
            assertEquals(1, c.size(), prompt);
            assertEquals("carpsysctl", c.get(0).program(), prompt);
        }
        assertTrue(ShellLine.parseAll("#Configure CARP; on the LAN side").isEmpty());
        assertTrue(ShellLine.parseAll(" ; ;").isEmpty());
        assertEquals("carpconfig", ShellLine.parseAll("carpconfig carp0 pass x#y").get(0).program());
        assertEquals(java.util.List.of("carp0", "pass", "x#y"), ShellLine.parseAll("carpconfig carp0 pass x#y").get(0).args());
    }

    @org.junit.jupiter.api.Test
    void scriptErrorsCarryLineNumbers() throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        String script = "help\n#comment\nfrob x; exti\n\nexit\nnever\n";
        int rc = new CarpShell().script(new java.io.BufferedReader(new java.io.StringReader(script)),
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        assertEquals(127, rc);
        assertEquals("carpsh: line 3: frob: unknown command (try help)\n"
                + "carpsh: line 3: exti: unknown command, did you mean exit?\n", err.toString());
        assertTrue(out.toString().startsWith("carpconfig carpN ["), out.toString());
    }
}
