package org.carp4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.carp4j.commands.Help;
import org.carp4j.commands.Keyword;
import org.carp4j.config.SysctlVar;
import org.junit.jupiter.api.Test;

/** carpsh's completion and help come from the tables (the drift the issue found is fixed). */
class ShellCompleterTest {
    private final ShellCompleter completer = new ShellCompleter(() -> List.of("carp0"));

    private List<String> after(String line) {
        return completer.candidates(Arrays.asList(line.split(" ")));
    }

    @Test
    void theGroupOffersCarpdemoteNotIfconfigKeywords() {
        assertEquals(List.of("carp"), after("carpconfig -g"));
        assertEquals(List.of("carpdemote", "-carpdemote"), after("carpconfig -g carp"));
        assertEquals(List.of(), after("carpconfig -g carp carpdemote"));
    }

    @Test
    void aKeywordsValueDecidesTheCandidates() {
        assertEquals(List.of("init", "backup", "master"), after("carpconfig carp0 state"));
        assertEquals(List.of(), after("carpconfig carp0 vhid"));
        assertEquals(List.of(), after("carpconfig carp0 10.0.0.1/24 broadcast"));
        assertTrue(after("carpconfig carp0 vhid 1").containsAll(Keyword.words()));
        assertTrue(after("carpconfig carp0 up").contains("--json"));
        assertEquals(List.of("carp0", "-a", "-l", "-g"), after("carpconfig"));
    }

    @Test
    void sysctlNamesIncludeEveryVariable() {
        List<String> names = after("carpsysctl");
        for (SysctlVar v : SysctlVar.values()) {
            assertTrue(names.contains(v.fullName()), v.fullName());
        }
    }

    @Test
    void helpTextsNameEveryRow() {
        for (Keyword k : Keyword.values()) {
            assertTrue(Help.carpconfig().contains("  " + k.synopsis() + " "), k.synopsis());
            assertTrue(CarpShell.HELP.contains(k.synopsis()), k.synopsis());
        }
        for (SysctlVar v : SysctlVar.values()) {
            assertTrue(Help.carpsysctl().contains(v.fullName() + " "), v.fullName()); // garprefresh was missing
            assertTrue(CarpShell.HELP.contains(v.shortName()), v.shortName());
        }
    }

    @Test
    void theClientsPassWordIsTheTables() {
        assertEquals(Keyword.PASS.word(), Passwords.KEYWORD);
    }
}
