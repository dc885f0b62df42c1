package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.carp4j.config.StateDocument;
import org.carp4j.config.StateFile;
import org.carp4j.control.ExitCode;
import org.carp4j.fuzz.Hostile;
import org.carp4j.lab.CommandVectors.Shows;
import org.carp4j.lab.CommandVectors.Vector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * carpd under hostile input and crashes, on a real host: random command lines, abusive control
 * clients, and kill -9 at random moments while changes stream in. Sizes come from the environment
 * (CARP4J_WORDS, CARP4J_SEED, CARP4J_ABUSE_SECONDS, CARP4J_KILLS) so a longer run by hand is the same test.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // about 5 minutes (the kill -9 torture); the lab default is 5
class HardeningIT extends LabTest {

    static int env(String name, int dflt) {
        return Integer.parseInt(System.getenv().getOrDefault(name, Integer.toString(dflt)));
    }

    private Lab.Result hostile(Lab.Host h, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", h.ns, "java", "-cp",
                System.getProperty("java.class.path"), Hostile.class.getName()));
        cmd.addAll(List.of(args));
        return Lab.Result.of(cmd);
    }

    /**
     * Command lines built to reach every keyword, flag and sysctl with valid and invalid values,
     * checked against {@link CarpModel}, written from the man pages: a refused line exits 1 with a
     * message naming an offending word and leaves carpd.json byte-identical (also when carpconfig
     * itself refuses, as for `pass -` with no input); an applied one exits 0 and the displays then
     * show the model; a display exits 0 and changes nothing.
     */
    @Test
    void thousandsOfRandomCommandLinesApplyFullyOrChangeNothing() throws Exception {
        int n = env("CARP4J_WORDS", 1500);
        lab = Lab.create(1, true);
        var h = lab.h(1);
        h.startCarpd();
        Path file = h.stateDir.resolve(StateFile.NAME);
        CarpModel model = new CarpModel();
        CommandVectors vectors = new CommandVectors(env("CARP4J_SEED", 112));
        Tally tally = new Tally();
        try (CommandSession commands = new CommandSession(h)) {
            DisplayOracle displays = new DisplayOracle(commands);
            for (int i = 0; i < n; i++) {
                Vector v = vectors.next(model);
                // some through the real programs (a JVM each): their own --help, -V, `pass -` and exit codes
                boolean program = i % 100 == 0 || v.shows() == Shows.HELP || v.shows() == Shows.VERSION
                        || v.outcome() == CommandVectors.Outcome.REFUSED_BY_CLIENT && i % 2 == 0;
                byte[] before = bytesOrNull(file);
                Lab.Result r = program ? commands.runProgram(v.tool(), v.words(), v.stdin())
                        : commands.run(v.tool(), v.words(), v.stdin());
                byte[] after = bytesOrNull(file); // null: not written yet
                String at = "vector " + i + ": " + v.line() + "\n  exit " + r.exit() + ", out: " + r.out() + "  err: " + r.err()
                        + "\n  expected " + v.outcome() + " " + v.offenders();
                switch (v.outcome()) {
                    case REFUSED_BY_CLIENT, REFUSED_BY_DAEMON -> {
                        assertEquals(ExitCode.REFUSED, r.exit(), at);
                        assertTrue(r.err().startsWith(v.tool() + ": ") && v.offenders().stream().anyMatch(r.err()::contains),
                                "the message names an offending word: " + at);
                        assertArrayEquals(before, after, "refused, but carpd.json changed: " + at);
                    }
                    case DISPLAY -> {
                        assertEquals(0, r.exit(), at);
                        assertArrayEquals(before, after, "a display changed carpd.json: " + at);
                        assertNull(displays.display(v, r, model), at);
                    }
                    case APPLIED -> {
                        assertEquals(0, r.exit(), at);
                        if (v.shows() == Shows.STATE) {
                            assertArrayEquals(before, after, "a forced state is not saved: " + at);
                        }
                        CarpModel previous = model;
                        model = v.after();
                        if (!model.saved().equals(previous.saved())) {
                            assertFalse(Arrays.equals(before, after), "applied, but carpd.json did not change: " + at);
                        }
                        assertNull(displays.applied(v, r, previous, model), at + "\n  model " + model.ifaces.values());
                    }
                }
                tally.count(v, r.err());
            }
        }
        System.out.print(tally);
        assertEquals(List.of(), tally.unreached(), "rows of the grammar the vectors did not reach");
        assertTrue(h.carpd().isAlive(), h.log());
    }

    private static byte[] bytesOrNull(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readAllBytes(file) : null;
    }

    @Test
    void abusiveControlClientsNeitherStopHonestOnesNorChangeTheState() throws Exception {
        lab = Lab.create(2, false);
        var master = lab.h(1);
        var backup = lab.h(2);
        master.startCarpd();
        assertEquals(0, master.carpconfig("carp0", "create", "vhid", "1", "pass", "s3cret", "carpdev", "em0",
                "172.16.0.100/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> master.carpconfig("carp0").out().contains("carp: MASTER")));
        backup.startCarpd();
        assertEquals(0, backup.carpconfig("carp0", "create", "vhid", "1", "pass", "s3cret", "carpdev", "em0",
                "advskew", "100", "172.16.0.100/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> backup.carpconfig("carp0").out().contains("carp: BACKUP")));

        Path pcap = lab.dir().resolve("abuse.pcap");
        Process capture = lab.capture(pcap, "br0", "ip proto 112");
        double from = now();
        Lab.Result r = hostile(master, "abuse", master.stateDir.toString(), Integer.toString(env("CARP4J_ABUSE_SECONDS", 15)));
        double to = now();
        capture.destroy();
        capture.waitFor(10, TimeUnit.SECONDS);
        System.out.println(r.out().trim());
        assertEquals(0, r.exit(), r.out() + r.err());
        long established = Long.parseLong(r.out().lines().filter(l -> l.startsWith("ESTABLISHED ")).findFirst()
                .orElseThrow().substring("ESTABLISHED ".length()));
        assertTrue(established >= 1000, "the abuse really reached carpd: " + established + " connections established");

        // the master's adverts kept their 1 s interval meanwhile: no gap near master-down (3 s)
        List<Double> adverts = new ArrayList<>(List.of(from));
        Captures.fields(pcap, "carp && ip.src == " + master.address(), "frame.time_epoch").stream()
                .map(Double::parseDouble).filter(t -> t >= from && t <= to).forEach(adverts::add);
        adverts.add(to);
        double worst = 0;
        for (int i = 1; i < adverts.size(); i++) {
            worst = Math.max(worst, adverts.get(i) - adverts.get(i - 1));
        }
        System.out.printf("abuse: %d adverts from the master in %.1f s, longest gap %.3f s%n", adverts.size() - 2, to - from, worst);
        assertTrue(worst <= 2.5, "the master's adverts stalled under the abuse: a gap of " + worst + " s");
        assertEquals(List.of(), Captures.fields(pcap, "carp && ip.src == " + backup.address(), "frame.time_epoch"),
                "the backup never advertised, so it never took over");

        assertTrue(master.carpd().isAlive(), master.log());
        assertTrue(master.carpconfig("carp0").out().contains("carp: MASTER"));
        assertTrue(backup.carpconfig("carp0").out().contains("carp: BACKUP"));
        assertTrue(!master.log().contains("s3cret"), "the password never reaches the log");
    }

    /** Wall-clock seconds, as tcpdump stamps frames (same host clock). */
    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    /** What the torture stream's changes 0..n-1 leave (see Hostile.change): the carp interfaces and carp0's advskew. */
    record Streamed(java.util.Set<String> names, int advskew) {
        static Streamed after(int n) {
            java.util.Set<String> names = new java.util.TreeSet<>(List.of("carp0"));
            int advskew = 0;
            for (int i = 0; i < n; i++) {
                String carpN = "carp" + (1 + (i / 3) % 500);
                switch (i % 3) {
                    case 0 -> names.add(carpN);
                    case 1 -> advskew = i % 250;
                    default -> names.remove(carpN);
                }
            }
            return new Streamed(names, advskew);
        }

        static Streamed saved(StateDocument d) {
            return new Streamed(new java.util.TreeSet<>(d.interfaces().stream().map(c -> c.name()).toList()),
                    d.find("carp0").orElseThrow().advskew());
        }
    }

    @Test
    void killMinus9AtRandomMomentsLosesNothingAcknowledged() throws Exception {
        int kills = env("CARP4J_KILLS", 80);
        lab = Lab.create(1, false);
        var h = lab.h(1);
        Random random = new Random(9);
        h.startCarpd();
        assertEquals(0, h.carpconfig("carp0", "create").exit());
        Path file = h.stateDir.resolve(StateFile.NAME);
        // one client streams changes for the whole torture, from the start index it is sent after each restart
        Process stream = new ProcessBuilder("ip", "netns", "exec", h.ns, "java", "-cp", System.getProperty("java.class.path"),
                Hostile.class.getName(), "stream", h.stateDir.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int[] last = {-1};
        int[] rounds = {0};
        AtomicBoolean killed = new AtomicBoolean();
        List<String> failures = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    synchronized (last) {
                        if (l.startsWith("ACK ")) {
                            last[0] = Integer.parseInt(l.substring(4));
                        } else if (l.startsWith("FAIL ")) {
                            // every change of the stream is valid: only losing carpd to our kill may stop one
                            if (!(killed.get() && l.contains(" exit " + ExitCode.UNAVAILABLE + ":"))) {
                                failures.add(l);
                            }
                            rounds[0]++;
                        }
                    }
                }
            } catch (Exception e) {
                // the stream ends with the test
            }
        });
        reader.setDaemon(true);
        reader.start();
        int acked = 0; // changes 0..acked-1 are acknowledged
        int inFlightAllowed = 0;
        try (var starts = new java.io.PrintStream(stream.getOutputStream(), true, StandardCharsets.UTF_8)) {
            for (int k = 0; k < kills; k++) {
                int start = acked;
                int round = k + 1;
                killed.set(false);
                starts.println(start);
                // the kill lands while changes flow: after this round's first acknowledgement, at a random moment
                assertTrue(Lab.await(Duration.ofSeconds(30), () -> {
                    synchronized (last) {
                        return last[0] >= start || rounds[0] >= round;
                    }
                }), "the change stream never got going after kill " + (k - 1));
                Thread.sleep(random.nextInt(500));
                killed.set(true);
                h.signal("KILL");
                assertTrue(h.carpd().waitFor(10, TimeUnit.SECONDS), "carpd survived kill -9");
                assertTrue(Lab.await(Duration.ofSeconds(30), () -> {
                    synchronized (last) {
                        return rounds[0] >= round;
                    }
                }), "the change stream did not notice kill " + k);
                assertEquals(List.of(), failures, "a change of the stream failed (round " + round + ")");
                synchronized (last) {
                    acked = last[0] + 1;
                }
                // The file always parses, and holds exactly the acknowledged changes, or those plus
                // the one that was being saved when the daemon died (it may have reached the disk).
                Streamed saved = Streamed.saved(StateFile.parse(file, Files.readAllBytes(file)));
                if (saved.equals(Streamed.after(acked + 1)) && !saved.equals(Streamed.after(acked))) {
                    acked++;
                    inFlightAllowed++;
                } else {
                    assertEquals(Streamed.after(acked), saved, "after kill " + k + ": acknowledged " + acked + " changes");
                }
                h.startCarpd();
                assertTrue(h.carpd().isAlive(), h.log());
            }
        } finally {
            stream.destroyForcibly();
        }
        System.out.printf("kill -9 torture: %d kills, %d acknowledged changes, none lost (%d in-flight ones had reached the disk)%n",
                kills, acked, inFlightAllowed);
        assertTrue(acked > kills, "changes kept flowing between kills: " + acked);
    }
}
