package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.carp4j.commands.Ifconfig;
import org.carp4j.config.StateDocument;
import org.carp4j.config.StateFile;
import org.carp4j.fuzz.Hostile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * carpd under hostile input and crashes, on a real host: random command lines, abusive control
 * clients, and kill -9 at random moments while changes stream in. Sizes come from the environment
 * (CARP4J_WORDS, CARP4J_ABUSE_SECONDS, CARP4J_KILLS) so a longer run by hand is the same test.
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

    @Test
    void thousandsOfRandomCommandLinesApplyFullyOrChangeNothing() throws Exception {
        lab = Lab.create(1, true);
        var h = lab.h(1);
        h.startCarpd();
        assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "carpdev", "em0", "172.16.0.100/24").exit());
        Lab.Result r = hostile(h, "words", h.stateDir.toString(), Integer.toString(env("CARP4J_WORDS", 3000)), "112");
        System.out.println(r.out().trim());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(h.carpd().isAlive(), h.log());
    }

    @Test
    void abusiveControlClientsNeitherStopHonestOnesNorChangeTheState() throws Exception {
        lab = Lab.create(1, false);
        var h = lab.h(1);
        h.startCarpd();
        assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "pass", "s3cret", "carpdev", "em0", "172.16.0.100/24").exit());
        Lab.Result r = hostile(h, "abuse", h.stateDir.toString(), Integer.toString(env("CARP4J_ABUSE_SECONDS", 20)));
        System.out.println(r.out().trim());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(h.carpd().isAlive());
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> h.carpconfig("carp0").out().contains("carp: MASTER")));
        assertTrue(!h.log().contains("s3cret"), "the password never reaches the log");
    }

    /** Replays the torture stream's changes 0..n-1 on an empty document, as the daemon applies them. */
    private static StateDocument model(int n) throws Exception {
        StateDocument d = StateDocument.EMPTY;
        Ifconfig ifconfig = new Ifconfig(List.of());
        d = ifconfig.parse(d, "carp0", List.of("create")).next();
        for (int i = 0; i < n; i++) {
            List<String> w = Hostile.change(i);
            d = ifconfig.parse(d, w.get(0), w.subList(1, w.size())).next();
        }
        return d;
    }

    @Test
    void killMinus9AtRandomMomentsLosesNothingAcknowledged() throws Exception {
        int kills = env("CARP4J_KILLS", 200);
        lab = Lab.create(1, false);
        var h = lab.h(1);
        Random random = new Random(9);
        h.startCarpd();
        assertEquals(0, h.carpconfig("carp0", "create").exit());
        Path file = h.stateDir.resolve(StateFile.NAME);
        int acked = 0; // changes 0..acked-1 are acknowledged
        int inFlightAllowed = 0;
        for (int k = 0; k < kills; k++) {
            Process stream = new ProcessBuilder("ip", "netns", "exec", h.ns, "java", "-cp", System.getProperty("java.class.path"),
                    Hostile.class.getName(), "stream", h.stateDir.toString(), Integer.toString(acked)).start();
            int start = acked;
            int[] last = {start - 1};
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        if (l.startsWith("ACK ")) {
                            synchronized (last) {
                                last[0] = Integer.parseInt(l.substring(4));
                            }
                        }
                    }
                } catch (Exception e) {
                    // the stream ends with the daemon
                }
            });
            reader.start();
            Thread.sleep(400 + random.nextInt(900));
            h.signal("KILL");
            h.carpd().waitFor(10, TimeUnit.SECONDS);
            stream.waitFor(10, TimeUnit.SECONDS);
            stream.destroyForcibly();
            reader.join(5000);
            synchronized (last) {
                acked = last[0] + 1;
            }
            // The file always parses, and holds exactly the acknowledged changes, or those plus
            // the one that was being saved when the daemon died (it may have reached the disk).
            StateDocument saved = StateFile.parse(file, Files.readAllBytes(file));
            if (saved.equals(model(acked + 1))) {
                acked++;
                inFlightAllowed++;
            } else {
                assertEquals(model(acked), saved, "after kill " + k + ": acknowledged " + acked + " changes");
            }
            h.startCarpd();
            assertTrue(h.carpd().isAlive(), h.log());
        }
        System.out.printf("kill -9 torture: %d kills, %d acknowledged changes, none lost (%d in-flight ones had reached the disk)%n",
                kills, acked, inFlightAllowed);
        assertTrue(acked > kills, "changes kept flowing between kills: " + acked);
    }
}
