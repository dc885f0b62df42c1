package org.carp4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Passwords in carpsh's history and on carpconfig's command line. */
class ShellSecretsTest {
    @TempDir
    Path dir;

    @Test
    void theWordAfterPassIsMaskedInTheHistory() {
        assertEquals("# ifconfig carp0 vhid 1 pass *** carpdev em0", HistoryMask.mask("# ifconfig carp0 vhid 1 pass lanpasswd carpdev em0"));
        assertEquals("ifconfig carp0 pass *** advskew 5", HistoryMask.mask("ifconfig carp0 pass 'two words' advskew 5"));
        assertEquals("ifconfig carp0 pass *** x", HistoryMask.mask("ifconfig carp0 pass pass x"), "a password may say pass");
        assertEquals("ifconfig carp0 pass ***", HistoryMask.mask("ifconfig carp0 pass \"open quote runs on"));
        assertEquals("ifconfig carp0 vhid 1 \\\n pass *** carpdev em0", HistoryMask.mask("ifconfig carp0 vhid 1 \\\n pass s3cret carpdev em0"),
                "a continued line");
        assertEquals("ifconfig carp0 pass -", HistoryMask.mask("ifconfig carp0 pass -"), "nothing secret in pass -");
        assertEquals("ifconfig carp0 -pass", HistoryMask.mask("ifconfig carp0 -pass"));
        assertEquals("ifconfig carp0 passive x", HistoryMask.mask("ifconfig carp0 passive x"));
        assertEquals("ifconfig carp0 pass", HistoryMask.mask("ifconfig carp0 pass"));
    }

    @Test
    void theHistoryFileIsTheOwnersOnlyAndHoldsNoPassword() throws Exception {
        Path file = dir.resolve(".carpsh_history");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        ShellHistory.makePrivate(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "an old 0644 file is fixed");
        Files.delete(file);

        try (Terminal terminal = TerminalBuilder.builder().dumb(true).streams(new ByteArrayInputStream(new byte[0]),
                new ByteArrayOutputStream()).build()) {
            ShellHistory history = new ShellHistory(file);
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).history(history)
                    .variable(LineReader.HISTORY_FILE, file).build();
            history.attach(reader); // readLine() does this in carpsh
            reader.getHistory().add("ifconfig carp0 vhid 1 pass lanpasswd carpdev em0");
            reader.getHistory().save();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "created 0600");
            String saved = Files.readString(file);
            assertTrue(saved.contains("ifconfig carp0 vhid 1 pass *** carpdev em0"), "[" + saved + "]");
            assertFalse(saved.contains("lanpasswd"));
            assertEquals("ifconfig carp0 vhid 1 pass *** carpdev em0", reader.getHistory().get(reader.getHistory().last()),
                    "nor does the up-arrow show it");
        }
    }

    @Test
    void passDashTakesThePasswordFromTheSource() throws Exception {
        List<String> asked = new ArrayList<>();
        Passwords.Source source = ifname -> {
            asked.add(ifname);
            return "s3cret";
        };
        assertEquals(List.of("carp0", "vhid", "1", "pass", "s3cret", "carpdev", "em0"),
                Passwords.fill(List.of("carp0", "vhid", "1", "pass", "-", "carpdev", "em0"), Set.of("-"), source));
        assertEquals(List.of("carp0"), asked);
        assertEquals(List.of("carp0", "pass", "***"), Passwords.fill(List.of("carp0", "pass", "***"), Set.of("-"), source),
                "carpconfig takes *** as it stands");
        assertEquals(List.of("carp0", "pass", "s3cret"), Passwords.fill(List.of("carp0", "pass", "***"), Set.of("-", "***"), source),
                "carpsh asks again for a recalled history line");
        assertEquals(List.of("carp0", "vhid", "-"), Passwords.fill(List.of("carp0", "vhid", "-"), Set.of("-"), source),
                "only after pass; the daemon refuses the rest");
        assertEquals(List.of("-a"), Passwords.fill(List.of("-a"), Set.of("-"), source));
        assertEquals(1, asked.size() - 1);
        var missing = assertThrows(Passwords.Missing.class,
                () -> Passwords.fill(List.of("carp0", "pass", "-"), Set.of("-"), name -> null));
        assertEquals("pass -: no password was given", missing.getMessage());
    }

    @Test
    void oneLineOfStandardInputAndNoMore() throws Exception {
        var in = new ByteArrayInputStream("s3cret\r\nnext\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("s3cret", Passwords.standardInput(null, in).read("carp0"));
        assertEquals("next", Passwords.line(in));
        assertNull(Passwords.line(in), "end of input: no password");
        assertEquals("", Passwords.line(new ByteArrayInputStream("\n".getBytes(StandardCharsets.US_ASCII))));
    }
}
