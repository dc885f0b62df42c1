package org.carp4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs the real bash completion functions on sample command lines. `carpconfig -l` is answered by
 * a stand-in first on PATH, as a running daemon would answer it.
 */
class BashCompletionTest {
    static final Path SCRIPT = Path.of(System.getProperty("carp4j.root", "."), "completions", "carp4j.bash");

    @TempDir
    static Path bin;

    @BeforeAll
    static void daemonStandIn() throws Exception {
        Path stub = bin.resolve("carpconfig");
        Files.writeString(stub, "#!/bin/sh\n[ \"$1\" = -l ] && echo carp0 carp1\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** What bash would offer after typing line (a trailing blank starts a new word). */
    static String complete(String line) throws Exception {
        String script = "source \"$1\"\n"
                + "COMP_LINE=$2; read -ra COMP_WORDS <<< \"$COMP_LINE\"\n"
                + "[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')\n"
                + "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                + "\"_${COMP_WORDS[0]}\"\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\" | sort | tr '\\n' ' '\n";
        org.carp4j.testing.Exec.Result r = org.carp4j.testing.Exec.run(org.carp4j.testing.Exec.SHORT, java.util.Map.of(),
                true, List.of("env", "PATH=" + bin + ":" + System.getenv("PATH"),
                        "bash", "-c", script, "complete", SCRIPT.toString(), line));
        String out = r.out().trim();
        assertEquals(0, r.exit(), out);
        return out;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'carpconfig carp0 state '|'backup init master'",
        "'carpconfig carp0 state m'|'master'",
        "'carpconfig carp0 adv'|'advbase advskew'",
        "'carpconfig carp0 vhid '|''",
        "'carpconfig carp0 advbase '|'0 1'",
        "'carpconfig carp0 advbase 0 advskew '|''",
        "'carpconfig carp0 carpp'|'carppeer'",
        "'carpconfig carp0 -carp'|'-carpdev -carppeer'",
        "'carpconfig carp0 carppeer '|''",
        "'carpconfig -g '|'carp'",
        "'carpconfig -g carp '|'--json -carpdemote carpdemote'",
        "'carpconfig carp0 10.0.0.1/24 broad'|'broadcast'",
        "'carpsysctl net.inet.carp.p'|'net.inet.carp.preempt'",
        "'carpsysctl -'|'--help --version -A -a -n -w'",
        "'carpd --'|'--check --cleanup --downscript --help --hook-timeout --hooks-dir --metrics-port --port --state-dir --upscript --version'",
    })
    void completes(String line, String expected) throws Exception {
        assertEquals(expected, complete(line));
    }

    @Test
    void carpInterfaceNamesComeFromTheDaemon() throws Exception {
        assertEquals("carp0 carp1", complete("carpconfig c"));
        assertEquals("--help --json --version -a -g -l", complete("carpconfig -"));
    }
}
