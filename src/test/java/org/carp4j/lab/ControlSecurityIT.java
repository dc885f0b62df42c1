package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.carp4j.control.ControlFile;
import org.carp4j.fuzz.Attacker;
import org.junit.jupiter.api.Test;

/**
 * The control channel against a local user: the attacker is `nobody` in the carpd's own network
 * namespace (see {@link Attacker}). It can neither take the port and collect root's credential,
 * nor lock root out by holding or flooding connections.
 */
class ControlSecurityIT extends LabTest {
    static final String VIP = "172.16.0.100";

    private static List<String> asNobody(Lab.Host h, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", h.ns, "setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups", "java", "-XX:-UsePerfData", "-cp",
                Lab.ROOT.resolve("target/test-classes").toString(), Attacker.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** A long-running attack, its output in a file of the lab. */
    private Process attack(Lab.Host h, Path out, String... args) throws IOException {
        return new ProcessBuilder(asNobody(h, args)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static String logged(Lab.Host h) {
        try {
            return h.log();
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void aUserWhoBindsThePortFirstGetsNeitherThePortNorTheCredential() throws Exception {
        lab = Lab.create(1, false);
        var h = lab.h(1);

        Lab.Result bind = Lab.Result.of(asNobody(h, "bind", "112"));
        assertEquals(3, bind.exit(), "nobody cannot bind the default control port: " + bind.out() + bind.err());
        assertTrue(bind.out().contains("DENIED 112: Permission denied"), bind.out());

        // An administrator chose a port above 1024; carpd ran there and was killed, its control
        // file (port and credential) left behind. nobody binds the port before carpd is back.
        h.startCarpd("--port", "17112");
        assertTrue(Lab.await(Duration.ofSeconds(10), () -> logged(h).contains("control port 17112 is not below 1024:"
                + " any local user can bind it")), logged(h)); // the line after "listening"
        ControlFile credential = ControlFile.read(h.stateDir);
        h.signal("KILL");
        assertTrue(h.carpd().waitFor(10, TimeUnit.SECONDS));
        Path squatLog = lab.dir().resolve("squatter.log");
        Process squatter = attack(h, squatLog, "squat", "17112");
        try {
            assertTrue(Lab.await(Duration.ofSeconds(20), () -> read(squatLog).contains("LISTENING 17112")), read(squatLog));

            Lab.Result r = h.carpconfig("carp0");
            assertEquals(69, r.exit(), r.out() + r.err());
            assertEquals("carpconfig: control port 17112 is held by uid 65534, not carpd; refusing to send the credential\n",
                    r.err());
            assertTrue(Lab.await(Duration.ofSeconds(10), () -> read(squatLog).contains("RECEIVED")), read(squatLog));
            assertTrue(read(squatLog).contains("RECEIVED 0 bytes"), "the squatter got a connection and nothing on it: "
                    + read(squatLog));
            assertFalse(read(squatLog).contains(credential.token()));

            Process second = h.startCarpd("--port", "17112");
            assertTrue(second.waitFor(30, TimeUnit.SECONDS), "carpd does not run beside a squatter");
            assertEquals(69, second.exitValue());
            assertTrue(h.logged("cannot listen on 127.0.0.1:17112"), h.log());
        } finally {
            squatter.destroy();
            squatter.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void rootKeepsDrivingCarpdWhileNobodyHoldsAndFloodsConnections() throws Exception {
        lab = Lab.create(2, false);
        var master = lab.h(1);
        var backup = lab.h(2);
        for (var h : List.of(master, backup)) {
            h.startCarpd();
            assertTrue(h.carpd().isAlive(), h.log());
        }
        assertEquals(0, master.carpconfig("carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0",
                VIP + "/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> master.holds(VIP)), master.log());
        assertEquals(0, backup.carpconfig("carp0", "create", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0",
                "advskew", "100", VIP + "/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> backup.carpconfig("carp0").out().contains("carp: BACKUP")));
        int masterLog = master.log().length();
        int backupLog = backup.log().length();

        // 64 connections held open (four times the daemon's slots), and four threads of new ones
        Path attackLog = lab.dir().resolve("flood.log");
        Process attack = attack(master, attackLog, "hold", "112", "64", "20");
        int commands = 0;
        try {
            assertTrue(Lab.await(Duration.ofSeconds(20), () -> read(attackLog).contains("HOLDING 64")), read(attackLog));
            while (attack.isAlive() && commands < 40) {
                Lab.Result r = master.carpconfig("carp0");
                assertEquals(0, r.exit(), "command " + commands + " under the flood: " + r.err());
                assertTrue(r.out().contains("carp: MASTER carpdev em0 vhid 1"), r.out());
                commands++;
            }
            assertTrue(commands >= 10, "root's commands ran during the flood: " + commands);
            assertTrue(attack.waitFor(60, TimeUnit.SECONDS));
        } finally {
            attack.destroy();
        }
        String summary = read(attackLog);
        System.out.println("control flood: " + summary.strip().replace('\n', ' ') + "; root's " + commands
                + " commands all answered");
        assertTrue(summary.contains("held 64, closed by carpd 64;"), "carpd closed every connection it did not serve: " + summary);
        var flood = java.util.regex.Pattern.compile("flood (\\d+) connections, (\\d+) answered").matcher(summary);
        assertTrue(flood.find() && Long.parseLong(flood.group(2)) > 0, "the flood was refused with a reason: " + summary);

        assertTrue(master.holds(VIP));
        assertFalse(backup.holds(VIP));
        assertTrue(backup.carpconfig("carp0").out().contains("carp: BACKUP"));
        assertFalse(master.log().substring(masterLog).contains("event=state"), "no transition on the master: " + master.log());
        assertFalse(backup.log().substring(backupLog).contains("event=state"), "no transition on the backup: " + backup.log());
    }
}
