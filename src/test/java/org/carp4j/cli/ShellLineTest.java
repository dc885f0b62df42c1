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
}
