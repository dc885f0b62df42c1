package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.carp4j.config.StateFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** carpsh on a real terminal (tmux): completion from the daemon, continuation lines, history. */
class CarpshInteractiveIT extends LabTest {
    private final String session = "carpsh" + ProcessHandle.current().pid();

    @AfterEach
    void closeTerminal() throws Exception {
        Lab.Result.of(List.of("tmux", "kill-session", "-t", session));
    }

    /** Types into the terminal; the keys queue in order, so only what must be seen is waited for. */
    private void keys(String... keys) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("tmux", "send-keys", "-t", session));
        cmd.addAll(List.of(keys));
        assertEquals(0, Lab.Result.of(cmd).exit(), "tmux send-keys");
    }

    private String screen() throws Exception {
        return Lab.Result.of(List.of("tmux", "capture-pane", "-t", session, "-p")).out();
    }

    /** Polls the terminal until it shows what is expected. */
    private void shows(String what, Lab.Check c) throws Exception {
        assertTrue(Lab.eventually(Duration.ofSeconds(10), c), what + ":\n" + screen());
    }

    /** carpsh has exited (its tmux session ended with it), so its history file is complete. */
    private void exited() {
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () ->
                Lab.Result.of(List.of("tmux", "has-session", "-t", session)).exit() != 0), "carpsh exits");
    }

    @Test
    void completesContinuesAndRemembers() throws Exception {
        org.carp4j.testing.Tools.require("tmux");
        lab = Lab.create(1, false);
        var h = lab.h(1);
        h.startCarpd();
        h.carpconfig("carp0", "create", "vhid", "1", "carpdev", "em0", "172.16.0.100/24");
        Files.createDirectories(lab.dir().resolve("home"));
        Lab.Result started = Lab.Result.of(List.of("tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                "ip netns exec " + h.ns + " env CARPD_STATE_DIR=" + h.stateDir + " HOME=" + lab.dir().resolve("home")
                        + " " + Lab.ROOT.resolve("bin/carpsh")));
        // capture-pane trims trailing blanks, so the prompt reads "carpsh#"
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> screen().contains("carpsh#")), started + "\n" + screen());

        keys("ifconfig ca", "Tab");
        shows("interface name asked from carpd", () -> screen().contains("carpsh# ifconfig carp0"));
        keys("adv", "Tab");
        shows("both keywords offered", () -> screen().contains("advbase") && screen().contains("advskew"));
        keys("C-u");

        keys("# ifconfig carp0 advskew 42 \\", "Enter");
        shows("a continuation prompt", () -> screen().contains("\n>"));
        keys("   state ba", "Tab");
        shows("the state completed", () -> screen().contains("state backup"));
        keys("Enter");
        keys("ifconfig carp0", "Enter");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> screen().contains("carp: BACKUP carpdev em0 vhid 1 advbase 1 advskew 42")),
                screen());
        keys("exit", "Enter");
        exited();
        assertTrue(Files.readString(lab.dir().resolve("home/.carpsh_history")).contains("ifconfig carp0"));
    }

    @Test
    void theHistoryIsPrivateAndPasswordsAreNeitherShownNorKept() throws Exception {
        org.carp4j.testing.Tools.require("tmux");
        lab = Lab.create(1, false);
        var h = lab.h(1);
        h.startCarpd();
        h.carpconfig("carp0", "create", "vhid", "1", "pass", "old", "carpdev", "em0", "172.16.0.100/24");
        Path home = Files.createDirectories(lab.dir().resolve("home"));
        Path history = home.resolve(".carpsh_history");
        Files.writeString(history, "1700000000000:ifconfig carp0\n"); // an older carpsh's file, 0644
        Files.setPosixFilePermissions(history, PosixFilePermissions.fromString("rw-r--r--"));
        Lab.Result.of(List.of("tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                "umask 022; ip netns exec " + h.ns + " env CARPD_STATE_DIR=" + h.stateDir + " HOME=" + home
                        + " " + Lab.ROOT.resolve("bin/carpsh")));
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> screen().contains("carpsh#")), screen());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(history)));

        keys("ifconfig carp0 pass typed-s3cret", "Enter");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> password(h).equals("typed-s3cret")));
        keys("ifconfig carp0 pass -", "Enter");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> screen().contains("Password for carp0:")), screen());
        keys("asked-s3cret", "Enter");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> password(h).equals("asked-s3cret")), screen());
        assertFalse(screen().contains("asked-s3cret"), "typed without echo:\n" + screen());

        // a recalled line says pass ***, and asks again rather than setting "***"
        keys("Up", "Up");
        shows("the recalled line", () -> screen().contains("carpsh# ifconfig carp0 pass ***"));
        keys("Enter");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> screen().split("Password for carp0:", -1).length == 3), screen());
        keys("third-s3cret", "Enter");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> password(h).equals("third-s3cret")), screen());
        keys("exit", "Enter");
        exited();

        String kept = Files.readString(history);
        assertTrue(kept.contains("ifconfig carp0 pass ***") && kept.contains("ifconfig carp0 pass -"), kept);
        assertFalse(kept.contains("s3cret"), kept);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(history)));
    }

    private static String password(Lab.Host h) throws Exception {
        Path file = h.stateDir.resolve(StateFile.NAME);
        return StateFile.parse(file, Files.readAllBytes(file)).find("carp0").orElseThrow().password();
    }
}
