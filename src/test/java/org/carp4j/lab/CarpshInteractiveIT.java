package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** carpsh on a real terminal (tmux): completion from the daemon, continuation lines, history. */
class CarpshInteractiveIT extends LabTest {
    private final String session = "carpsh" + ProcessHandle.current().pid();

    @AfterEach
    void closeTerminal() throws Exception {
        Lab.Result.of(List.of("tmux", "kill-session", "-t", session));
    }

    private void keys(String... keys) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("tmux", "send-keys", "-t", session));
        cmd.addAll(List.of(keys));
        Lab.Result.of(cmd);
        Thread.sleep(400);
    }

    private String screen() throws Exception {
        return Lab.Result.of(List.of("tmux", "capture-pane", "-t", session, "-p")).out();
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
        assertTrue(screen().contains("carpsh# ifconfig carp0"), "interface name asked from carpd:\n" + screen());
        keys("adv", "Tab");
        assertTrue(screen().contains("advbase") && screen().contains("advskew"), screen());
        keys("C-u");

        keys("# ifconfig carp0 advskew 42 \\", "Enter");
        assertTrue(screen().contains("\n>"), "a continuation prompt:\n" + screen());
        keys("   state ba", "Tab", "Enter");
        keys("ifconfig carp0", "Enter");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> screen().contains("carp: BACKUP carpdev em0 vhid 1 advbase 1 advskew 42")),
                screen());
        keys("exit", "Enter");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () ->
                Files.exists(lab.dir().resolve("home/.carpsh_history"))
                && Files.readString(lab.dir().resolve("home/.carpsh_history")).contains("ifconfig carp0")));
    }
}
