package org.carp4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.carp4j.testing.Exec;
import org.carp4j.testing.Tools;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The man pages render with man -l and groff says nothing about them; BSD sections are there. */
class ManPagesTest {
    static final Path MAN = Path.of(System.getProperty("carp4j.root", "."), "man");

    @ParameterizedTest
    @ValueSource(strings = {"carp.4", "carpd.8", "carpconfig.8", "carpsysctl.8", "carpsh.1"})
    void rendersWithoutWarnings(String page) throws Exception {
        Tools.require("groff");
        Exec.Result groff = Exec.run("groff", "-mandoc", "-ww", "-z", "-Tutf8", MAN.resolve(page).toString());
        assertEquals(0, groff.exit());
        assertEquals("", groff.err(), page);

        Tools.require("man");
        Exec.Result m = Exec.run(Exec.SHORT, java.util.Map.of(), true, List.of("man", "-l", MAN.resolve(page).toString()));
        String text = m.out();
        assertEquals(0, m.exit());
        for (String section : List.of("NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLES", "SEE ALSO")) {
            assertTrue(text.contains("\n" + section + "\n"), page + " lacks " + section);
        }
    }
}
