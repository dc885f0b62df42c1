package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.TreeMap;
import org.carp4j.config.VipAddress;
import org.carp4j.election.Action;
import org.carp4j.election.CarpState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real hook processes: a bounded queue that keeps the newest transitions, and a clean environment. */
class HooksTest {
    @TempDir
    Path tmp;
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final Log log = new Log(new PrintStream(logged, true));

    @BeforeEach
    void needsRoot() throws Exception {
        // hooks must be root's to run at all
        org.junit.jupiter.api.Assumptions.assumeTrue(org.carp4j.testing.Exec.root(), "hooks run only as root");
    }

    private Path hook(String name, String body) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("hooks.d"));
        Path p = Files.writeString(dir.resolve(name), "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static Action.StateChange change(int n) {
        return new Action.StateChange("carp0", 1, n % 2 == 0 ? CarpState.BACKUP : CarpState.MASTER,
                n % 2 == 0 ? CarpState.MASTER : CarpState.BACKUP, "step " + n);
    }

    @Test
    void aFullQueueDropsTheOldestWaitingTransitionsCountsThemAndLogsOnce() throws Exception {
        Path gate = tmp.resolve("gate");
        Path ran = tmp.resolve("ran");
        hook("10-record", "echo \"$CARP_WHY\" >> " + ran + "; while [ ! -e " + gate + " ]; do sleep 0.05; done");
        Hooks hooks = new Hooks(new Hooks.Options(tmp.resolve("hooks.d"), null, null, 20_000), log, 2);
        hooks.transition(change(0), "em0", List.of());
        assertTrue(waitFor(() -> Files.exists(ran)), "the first transition's hook is running (held at the gate)");
        for (int n = 1; n <= 5; n++) {
            hooks.transition(change(n), "em0", List.of());
        }
        assertEquals(3, hooks.dropped(), "two wait, steps 1..3 made room for the newer ones");
        Files.createFile(gate);
        hooks.drain();
        assertEquals(List.of("step 0", "step 4", "step 5"), Files.readAllLines(ran), "the newest transitions ran, in order");
        String out = logged.toString();
        assertEquals(1, out.split("transitions wait for their hooks", -1).length - 1, "logged once: " + out);
        assertTrue(Metrics.hooks(3).contains("carp_hooks_dropped_total 3\n"));
    }

    @Test
    void hooksSeeOnlyAFixedPathAndTheCarpVariablesWithStdinFromDevNull() throws Exception {
        Path env = tmp.resolve("env");
        Path stdin = tmp.resolve("stdin");
        hook("10-env", "env > " + env + "; cat > " + stdin);
        Hooks hooks = new Hooks(new Hooks.Options(tmp.resolve("hooks.d"), null, null, 5_000), log);
        hooks.transition(new Action.StateChange("carp0", 1, CarpState.BACKUP, CarpState.MASTER, "master timed out"),
                "em0", List.of(VipAddress.parse("10.0.0.1/24")));
        hooks.drain();
        TreeMap<String, String> seen = new TreeMap<>();
        for (String l : Files.readAllLines(env)) {
            seen.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
        }
        seen.remove("PWD"); // the shell sets it itself
        assertEquals(new TreeMap<>(java.util.Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin",
                "CARP_IF", "carp0", "CARP_VHID", "1", "CARP_FROM", "BACKUP", "CARP_TO", "MASTER",
                "CARP_WHY", "master timed out", "CARP_CARPDEV", "em0", "CARP_ADDRESSES", "10.0.0.1/24")), seen);
        assertEquals(0, Files.size(stdin), "stdin is /dev/null: end of file at once");
    }

    @Test
    void aHookOthersCanWriteIsSkippedAndLogged() throws Exception {
        Path ran = tmp.resolve("ran");
        Path bad = hook("10-writable", "touch " + ran);
        Files.setPosixFilePermissions(bad, PosixFilePermissions.fromString("rwxrwxrwx"));
        hook("20-fine", "echo fine >> " + ran + ".fine");
        Hooks hooks = new Hooks(new Hooks.Options(tmp.resolve("hooks.d"), null, null, 5_000), log);
        hooks.transition(change(0), "em0", List.of());
        hooks.drain();
        assertTrue(Files.notExists(ran), "the writable hook never ran");
        assertTrue(Files.exists(Path.of(ran + ".fine")), "the others still run");
        assertTrue(logged.toString().contains(bad + " skipped: " + bad + ": writable by group or others (mode 0777)"),
                logged.toString());
    }

    private static boolean waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        for (int i = 0; i < 500 && !c.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        return c.getAsBoolean();
    }

    @Test
    void aStopWaitsForHungHooksOnlyWithinItsBudgetAndKillsThem() throws Exception {
        Path pid = tmp.resolve("pid");
        hook("10-hang", "echo $$ > " + pid + "; exec sleep 120");
        Hooks hooks = new Hooks(new Hooks.Options(tmp.resolve("hooks.d"), null, null, 60_000), log, 4);
        hooks.transition(change(0), "em0", List.of());
        hooks.transition(change(1), "em0", List.of());
        assertTrue(waitFor(() -> Files.exists(pid) && pid.toFile().length() > 1), "the hook is running");
        long hookPid = Long.parseLong(Files.readString(pid).trim());
        long start = System.nanoTime();
        hooks.drain();
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMillis < Hooks.STOP_BUDGET_MILLIS + 3_000, "the stop did not wait 4 x 60 s: " + tookMillis + " ms");
        assertTrue(waitFor(() -> ProcessHandle.of(hookPid).map(h -> !h.isAlive()).orElse(true)), "the hung hook was killed");
        String out = logged.toString();
        assertTrue(out.contains("killed: carpd is stopping") && out.contains("1 queued hook run(s) dropped"), out);
    }
}
