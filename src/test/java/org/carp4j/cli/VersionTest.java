package org.carp4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** One version everywhere: the pom's, in --version, in the man pages and in the Debian package. */
class VersionTest {
    static final Path ROOT = Path.of(System.getProperty("carp4j.root", ".")).toAbsolutePath();

    @Test
    void theBuildWritesThePomVersionIntoTheJar() throws Exception {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        String version = pom.substring(pom.indexOf("<version>") + 9, pom.indexOf("</version>"));
        assertEquals(version, Version.number());
        assertNotEquals("unknown", Version.number());
    }

    @Test
    void everyCommandSaysItsNameAndTheVersion() {
        // carpconfig and carpsysctl answer --version without picocli (it is not on their path)
        assertEquals("carpconfig " + Version.number(), CarpConfigCommand.version());
        assertEquals("carpsysctl " + Version.number(), CarpSysctlCommand.version());
        for (Object command : List.of(new CarpShell(), new org.carp4j.daemon.Carpd())) {
            CommandLine cl = new CommandLine(command);
            assertEquals(List.of(cl.getCommandName() + " " + Version.number()),
                    List.of(cl.getCommandSpec().version()), cl.getCommandName());
        }
    }

    @Test
    void everyManPageFooterCarriesTheVersion() throws Exception {
        try (var pages = Files.list(ROOT.resolve("man"))) {
            for (Path page : pages.toList()) {
                assertEquals(List.of(".Os carp4j " + Version.number()),
                        Files.readAllLines(page).stream().filter(l -> l.startsWith(".Os")).toList(), page.toString());
            }
        }
    }
}
