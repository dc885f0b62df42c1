package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.carp4j.testing.NotifyReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * carpd's start and signals with real daemons: SIGHUP reloads and never kills, a start without
 * root's network capabilities is refused, a carpN carpd did not make is left alone, and a local
 * user (played as nobody) cannot get root through the state directory or the hooks.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StartupIT extends LabTest {
    static final String VIP = "172.16.0.100";
    static final String NOT_PRIVILEGED = "carpd: must run as root (needs CAP_NET_ADMIN and CAP_NET_RAW)";
    static final List<String> AS_NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            "--inh-caps=-all");
    /** Root, but with CAP_NET_ADMIN and CAP_NET_RAW gone, as in a restricted container. */
    static final List<String> WITHOUT_CAPS = List.of("setpriv", "--inh-caps=-net_admin,-net_raw",
            "--bounding-set=-net_admin,-net_raw");

    private Lab.Host master() throws Exception {
        lab = Lab.create(1, false);
        Lab.Host h = lab.h(1);
        h.startCarpd();
        assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "pass", "s3cret", "carpdev", "em0", VIP + "/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> h.holds(VIP)), h.log());
        return h;
    }

    private static Lab.Result in(Lab.Host h, List<String> prefix, String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", h.ns));
        c.addAll(prefix);
        c.addAll(List.of(cmd));
        return Lab.Result.of(c);
    }

    private static String carpd() {
        return Lab.ROOT.resolve("bin/carpd").toString();
    }

    private static void assertNoStackTrace(String log) {
        assertFalse(log.contains("Exception") || log.contains("\tat "), log);
    }

    // ------------------------------------------------------------------ SIGHUP

    @Test
    void sighupOnAMasterKeepsItMasterAndAppliesAHandEditedFile() throws Exception {
        Lab.Host h = master();
        h.signal("HUP");
        assertTrue(Lab.await(Duration.ofSeconds(10), () -> log(h).contains(h.stateDir.resolve("carpd.json") + ": unchanged")),
                log(h));
        assertTrue(h.carpd().isAlive());
        assertTrue(h.carpconfig("carp0").out().contains("carp: MASTER carpdev em0 vhid 1 advbase 1 advskew 0"));
        assertTrue(h.holds(VIP));

        Path file = h.stateDir.resolve("carpd.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode doc = (ObjectNode) json.readTree(file.toFile());
        ((ObjectNode) doc.get("interfaces").get(0)).put("advskew", 42);
        Files.writeString(file, json.writeValueAsString(doc)); // an admin's edit, by hand
        h.signal("HUP");
        assertTrue(Lab.eventually(Duration.ofSeconds(10),
                () -> h.carpconfig("carp0").out().contains("carp: MASTER carpdev em0 vhid 1 advbase 1 advskew 42")),
                h.log());
        assertTrue(h.logged("event=reload msg=\"" + file + ": applied (1 carp interfaces)\""), h.log());
        assertTrue(h.holds(VIP), "still MASTER, the address never left");
        assertTrue(h.carpd().isAlive());
        assertNoStackTrace(h.log());
    }

    @Test
    void anInvalidFileOnSighupIsReportedAndTheRunningConfigurationKept() throws Exception {
        Lab.Host h = master();
        Path file = h.stateDir.resolve("carpd.json");
        Files.writeString(file, "{\"version\": 1, \"interfaces\": [{\"name\": \"carp0\", \"vhid\": 300, \"bogus\": 1}]}");
        h.signal("HUP");
        assertTrue(Lab.await(Duration.ofSeconds(10), () -> log(h).contains("not reloaded")), log(h));
        String log = h.log();
        assertTrue(log.contains("level=error event=reload msg=\"" + file + ": interfaces[0].bogus: unknown key\""), log);
        assertTrue(h.carpd().isAlive(), "SIGHUP never kills carpd");
        assertTrue(h.carpconfig("carp0").out().contains("carp: MASTER carpdev em0 vhid 1 advbase 1 advskew 0"));
        assertTrue(h.holds(VIP));
        assertNoStackTrace(log);

        h.signal("TERM"); // and TERM still stops it cleanly
        assertTrue(h.carpd().waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, h.carpd().exitValue());
        assertFalse(h.holds(VIP));
    }

    @Test
    void otherTerminatingSignalsStopCleanlyToo() throws Exception {
        Lab.Host h = master();
        h.signal("USR1");
        assertTrue(h.carpd().waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, h.carpd().exitValue());
        assertTrue(h.logged("event=signal msg=\"SIGUSR1: stopping\""), h.log());
        assertFalse(h.holds(VIP), "the master bowed out and released its address");
    }

    // ------------------------------------------------------------------ privileges

    @Test
    void withoutRootsNetworkCapabilitiesCarpdRefusesAndChangesNothing() throws Exception {
        lab = Lab.create(1, false);
        Lab.Host h = lab.h(1);
        String linksBefore = h.exec("ip", "-o", "link", "show");
        Path stateDir = Path.of("/tmp", "carp4j-nobody-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            for (List<String> who : List.of(AS_NOBODY, WITHOUT_CAPS)) {
                for (String[] args : List.of(new String[] {"--state-dir", stateDir.toString()},
                        new String[] {"--state-dir", stateDir.toString(), "--cleanup"})) {
                    List<String> cmd = new ArrayList<>(List.of(carpd()));
                    cmd.addAll(List.of(args));
                    Lab.Result r = in(h, who, cmd.toArray(String[]::new));
                    assertEquals(77, r.exit(), who + " " + r);
                    assertEquals(NOT_PRIVILEGED + "\n", r.err(), who.toString());
                    assertEquals("", r.out());
                    assertFalse(Files.exists(stateDir), "no state directory was created");
                }
            }
            assertEquals(linksBefore, h.exec("ip", "-o", "link", "show"), "no interface was made or removed");
        } finally {
            Lab.Result.of(List.of("rm", "-rf", stateDir.toString()));
        }
    }

    @Test
    void aCarpNCarpdDidNotMakeIsLeftAloneWithAClearError() throws Exception {
        lab = Lab.create(1, false);
        Lab.Host h = lab.h(1);
        h.exec("ip", "link", "add", "carp0", "type", "bridge");
        Files.createDirectories(h.stateDir);
        Files.writeString(h.stateDir.resolve("carpd.json"), "{\"version\": 1, \"interfaces\": [{\"name\": \"carp0\","
                + " \"vhid\": 1, \"carpdev\": \"em0\", \"addresses\": [\"" + VIP + "/24\"]}]}");
        h.startCarpd();
        assertTrue(h.carpd().isAlive(), h.log());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> h.log().contains("level=error if=carp0 vhid=1 event=host"
                + " msg=\"carp0: an interface of that name exists and was not created by carpd; remove it or choose"
                + " another name\"")), h.log());
        assertTrue(h.exec("ip", "-d", "link", "show", "carp0").contains("bridge"), "the admin's interface is untouched");
        Thread.sleep(4000); // longer than master-down: an interface that could run would be MASTER by now
        assertTrue(h.carpconfig("carp0").out().contains("carp: INIT"), h.carpconfig("carp0").out());
        assertFalse(h.holds(VIP), "no address on someone else's interface");

        h.exec("ip", "link", "add", "carp1", "type", "bridge");
        Lab.Result r = h.carpconfig("carp1", "create");
        assertEquals(1, r.exit());
        assertEquals("carpconfig: carp1: an interface of that name exists on this host and was not created by carpd;"
                + " remove it or choose another name\n", r.err());

        h.exec("ip", "link", "del", "carp0"); // the admin frees the name: carpd makes its own
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> h.holds(VIP)), h.log());
        assertTrue(h.exec("ip", "-d", "link", "show", "carp0").contains("macvlan"));
        assertNoStackTrace(h.log());
    }

    /** A carpd killed between `ip link add` and `ip link set alias` leaves carp0 with the virtual MAC and no alias. */
    @Test
    void aCarpNWithTheVirtualMacAndNoAliasIsTakenAsCarpdsOwnLeftover() throws Exception {
        lab = Lab.create(1, false);
        Lab.Host h = lab.h(1);
        h.exec("ip", "link", "add", "carp0", "link", "em0", "address", "00:00:5e:00:01:01", "type", "macvlan", "mode", "bridge");
        Files.createDirectories(h.stateDir);
        Files.writeString(h.stateDir.resolve("carpd.json"), "{\"version\": 1, \"interfaces\": [{\"name\": \"carp0\","
                + " \"vhid\": 1, \"carpdev\": \"em0\", \"addresses\": [\"" + VIP + "/24\"]}]}");
        h.startCarpd();
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> h.holds(VIP)), h.log());
        assertTrue(h.exec("ip", "-o", "link", "show", "carp0").contains("alias carp4j"), "recreated as carpd's own");
        assertFalse(h.log().contains("was not created by carpd"), h.log());
        assertNoStackTrace(h.log());
    }

    // ------------------------------------------------------------------ the attacker as nobody

    @Test
    void aStateDirectoryNobodyPreparedIsRefusedAndItsHookNeverRuns() throws Exception {
        lab = Lab.create(1, false);
        Lab.Host h = lab.h(1);
        Path attack = Path.of("/tmp", "carp4j-attack-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        Path pwned = attack.resolve("pwned");
        try {
            Lab.Result planted = in(h, AS_NOBODY, "sh", "-c", "mkdir -p " + attack + "/state/hooks.d && printf '#!/bin/sh\\n"
                    + "touch " + pwned + "\\n' > " + attack + "/state/hooks.d/10-root && chmod 755 "
                    + attack + "/state/hooks.d/10-root");
            assertEquals(0, planted.exit(), planted.toString());

            Lab.Result r = in(h, List.of(), carpd(), "--state-dir", attack.resolve("state").toString());
            assertEquals(78, r.exit(), r.toString());
            assertTrue(r.err().startsWith("carpd: " + attack + ": owned by uid 65534, not root\n"), r.err());
            assertTrue(r.err().endsWith("carpd: refusing to start: the state directory, hooks and scripts must be root's"
                    + " and writable by root only\n"), r.err());

            // a directory carpd would create under nobody's: refused before anything is made
            Path fresh = attack.resolve("fresh/state");
            r = in(h, List.of(), carpd(), "--state-dir", fresh.toString());
            assertEquals(78, r.exit(), r.toString());
            assertTrue(r.err().startsWith("carpd: " + attack + ": owned by uid 65534, not root\n"), r.err());
            assertFalse(Files.exists(attack.resolve("fresh")));

            assertFalse(Files.exists(pwned), "the planted hook never ran");
            assertEquals("", h.exec("ip", "-o", "link", "show", "type", "macvlan"), "nothing was made on the host");
        } finally {
            Lab.Result.of(List.of("rm", "-rf", attack.toString()));
        }
    }

    @Test
    void writableHooksAreRefusedAtStartAndSkippedWhenAddedLater() throws Exception {
        lab = Lab.create(1, false);
        Lab.Host h = lab.h(1);
        Path hooks = Files.createDirectories(h.stateDir.resolve("hooks.d"));
        Path ran = lab.dir().resolve("ran");
        Path early = hook(hooks.resolve("10-early"), "echo early >> " + ran, "rwxrwxrwx");
        Lab.Result r = in(h, List.of(), carpd(), "--state-dir", h.stateDir.toString());
        assertEquals(78, r.exit(), r.toString());
        assertTrue(r.err().startsWith("carpd: " + early + ": writable by group or others (mode 0777)\n"), r.err());

        Files.setPosixFilePermissions(early, PosixFilePermissions.fromString("rwxr-xr-x"));
        h.startCarpd();
        assertTrue(h.carpd().isAlive(), h.log());
        Path late = hook(hooks.resolve("20-late"), "echo late >> " + ran, "rwxrwxr-x");
        assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "carpdev", "em0", VIP + "/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> Files.readAllLines(ran).size() >= 2), h.log());
        assertEquals(List.of("early", "early"), Files.readAllLines(ran), "INIT->BACKUP, BACKUP->MASTER: only 10-early");
        assertTrue(h.logged(late + " skipped: " + late + ": writable by group or others (mode 0775)"), h.log());
    }

    @Test
    void hooksSeeOnlyTheDocumentedEnvironmentAndStdinFromDevNull() throws Exception {
        lab = Lab.create(1, false);
        Lab.Host h = lab.h(1);
        Path hooks = Files.createDirectories(h.stateDir.resolve("hooks.d"));
        Path env = lab.dir().resolve("env");
        hook(hooks.resolve("10-env"), "[ \"$CARP_TO\" = MASTER ] || exit 0; env > " + env + ".tmp; cat >> " + env
                + ".tmp; echo EOF >> " + env + ".tmp; mv " + env + ".tmp " + env, "rwxr-xr-x");
        h.startCarpd("--metrics-port", "9112"); // the lab's namespace has the port to itself
        assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "carpdev", "em0", VIP + "/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> Files.exists(env)), h.log());
        List<String> lines = Files.readAllLines(env);
        assertEquals("EOF", lines.get(lines.size() - 1), "stdin gave end of file at once");
        TreeSet<String> names = new TreeSet<>();
        lines.subList(0, lines.size() - 1).forEach(l -> names.add(l.substring(0, l.indexOf('='))));
        names.remove("PWD"); // sh sets it itself
        assertEquals(new TreeSet<>(List.of("PATH", "CARP_IF", "CARP_VHID", "CARP_FROM", "CARP_TO", "CARP_WHY",
                "CARP_CARPDEV", "CARP_ADDRESSES")), names);
        assertTrue(lines.contains("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), lines.toString());
        assertTrue(lines.contains("CARP_ADDRESSES=" + VIP + "/24"), lines.toString());
        assertTrue(h.scrape(9112).contains("\ncarp_hooks_dropped_total 0\n"), "the hooks queue has room: none dropped");
    }

    // ------------------------------------------------------------------ systemd

    @Test
    void carpdTellsSystemdItIsReadyAndFeedsTheWatchdogFromItsLoop() throws Exception {
        lab = Lab.create(1, false);
        Lab.Host h = lab.h(1);
        Path log = lab.dir().resolve("carpd-notify.log");
        try (NotifyReceiver systemd = NotifyReceiver.bind(lab.dir().resolve("notify"))) {
            Process p = new ProcessBuilder("ip", "netns", "exec", h.ns, "env", "NOTIFY_SOCKET=" + systemd.address,
                    "WATCHDOG_USEC=400000", carpd(), "--state-dir", h.stateDir.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                List<String> got = new ArrayList<>();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < end && got.stream().filter("WATCHDOG=1"::equals).count() < 5) {
                    String m = systemd.receive();
                    if (m != null) {
                        got.add(m);
                    }
                }
                assertTrue(got.stream().anyMatch(m -> m.startsWith("READY=1\nSTATUS=listening on 127.0.0.1:")), got.toString());
                assertEquals(5, got.stream().filter("WATCHDOG=1"::equals).count(), got + "\n" + Files.readString(log));
                h.signal(p, "TERM");
                String m;
                do {
                    m = systemd.await();
                } while (m != null && !m.equals("STOPPING=1")); // pings until then
                assertEquals("STOPPING=1", m);
                assertTrue(p.waitFor(20, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue());
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /**
     * The unit's capability set, without systemd: only CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE
     * (the control port is 112) left, no new
     * privileges, a home that does not exist (ProtectHome=); carpd still becomes MASTER and stops cleanly.
     */
    @Test
    void carpdWorksWithOnlyTheCapabilitiesTheUnitLeavesIt() throws Exception {
        lab = Lab.create(1, false);
        Lab.Host h = lab.h(1);
        Path log = lab.dir().resolve("carpd-sandboxed.log");
        Process p = new ProcessBuilder("ip", "netns", "exec", h.ns, "setpriv", "--bounding-set=-all,+net_admin,+net_raw,+net_bind_service",
                "--inh-caps=-all", "--no-new-privs", "env", "HOME=/nonexistent", "XDG_CACHE_HOME=" + lab.dir().resolve("cache"),
                carpd(), "--state-dir", h.stateDir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(Lab.eventually(Duration.ofSeconds(20), () -> Files.readString(log).contains("event=control")),
                    Files.readString(log));
            assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "carpdev", "em0", VIP + "/24").exit());
            assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> h.holds(VIP)), Files.readString(log));
            assertTrue(h.carpconfig("carp0").out().contains("carp: MASTER"));
            h.signal(p, "TERM");
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), Files.readString(log));
            assertFalse(h.holds(VIP));
            assertNoStackTrace(Files.readString(log));
        } finally {
            p.destroyForcibly();
        }
    }

    private static Path hook(Path p, String body, String mode) throws Exception {
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    private static String log(Lab.Host h) {
        try {
            return h.log();
        } catch (Exception e) {
            return "";
        }
    }
}
