package org.carp4j.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * carpd's dead-man's switch: the guard, a small shell process (carpd-guard.sh beside this class)
 * that reads a pipe only carpd holds ({@link DeathPipe}) and, when it reaches end-of-file because
 * carpd is gone, deletes carpd's interfaces. The JVM gives its children no descriptor beyond 0-2,
 * so hooks and ip forks do not hold the pipe open. The guard also holds a flock on the state lock file for its life:
 * a new guard is ready only once the previous one has finished.
 *
 * <p>If the guard dies while carpd runs, a new one is started; if that fails, {@code giveUp} runs
 * (carpd stops cleanly rather than run unguarded).
 */
final class DeadManSwitch implements AutoCloseable {
    /** How long a new guard waits for the previous one to finish its deletions. */
    static final int WAIT_SECONDS = 5;
    private static final String SCRIPT = script();

    private final Path lockFile;
    private final Log log;
    private final Runnable giveUp;
    private boolean closing;
    private volatile Guard guard;

    /** A running guard and carpd's end of its pipe. */
    private record Guard(Process process, DeathPipe pipe) {
        long pid() {
            return process.pid();
        }
    }

    private DeadManSwitch(Path lockFile, Log log, Runnable giveUp) {
        this.lockFile = lockFile;
        this.log = log;
        this.giveUp = giveUp;
    }

    /** Starts the guard and returns once it holds the lock file; IOException if it does not. */
    static DeadManSwitch arm(Path lockFile, Log log, Runnable giveUp) throws IOException {
        DeadManSwitch s = new DeadManSwitch(lockFile, log, giveUp);
        synchronized (s) { // its watcher must not see the guard before it is in place
            s.guard = s.spawn();
        }
        log.info("guard", "dead-man's switch armed (pid " + s.guard.pid() + "): if carpd dies, it removes carpd's interfaces");
        return s;
    }

    private Guard spawn() throws IOException {
        DeathPipe pipe = DeathPipe.open();
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", SCRIPT, "carpd-guard", lockFile.toString(),
                Integer.toString(WAIT_SECONDS));
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        pb.redirectInput(pipe.readEnd());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT); // its messages go to carpd's log, even after carpd
        Process p;
        try {
            p = pb.start();
        } catch (IOException | RuntimeException e) {
            pipe.close(); // no guard: neither end may outlive this attempt
            throw e;
        } finally {
            pipe.closeReadEnd();
        }
        Guard g = new Guard(p, pipe);
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread watcher = new Thread(() -> watch(g, ready), "carpd-guard-" + p.pid());
        watcher.setDaemon(true);
        watcher.start();
        try {
            if (ready.get(WAIT_SECONDS + 5, TimeUnit.SECONDS)) {
                return g;
            }
        } catch (TimeoutException e) {
            // below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        }
        pipe.close();
        p.destroyForcibly();
        throw new IOException("the guard did not take " + lockFile + " within " + WAIT_SECONDS + " s");
    }

    /** Runs for the guard's whole life: its "ready", then end-of-file when it exits. */
    private void watch(Guard g, CompletableFuture<Boolean> ready) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(g.process().getInputStream(), StandardCharsets.US_ASCII))) {
            for (String l = out.readLine(); l != null; l = out.readLine()) {
                if (l.equals("ready")) {
                    ready.complete(true);
                }
            }
        } catch (IOException e) {
            // the same as end-of-file: the guard is gone
        }
        ready.complete(false);
        if (!ready.getNow(false)) {
            return; // it never armed: spawn reports that
        }
        synchronized (this) {
            if (closing || g != guard) {
                return; // a clean stop
            }
            g.pipe().close();
            log.error("guard", "the dead-man's switch (pid " + g.pid() + ") died; starting a new one");
            try {
                guard = spawn();
                log.info("guard", "dead-man's switch armed again (pid " + guard.pid() + ")");
            } catch (IOException e) {
                log.error("guard", "cannot start a new dead-man's switch (" + e.getMessage()
                        + "); stopping rather than hold addresses nothing would remove if carpd died");
                giveUp.run();
            }
        }
    }

    /** Clean stop: end-of-file tells the guard carpd is done; it finds nothing left and exits. */
    @Override
    public synchronized void close() throws InterruptedException {
        closing = true;
        guard.pipe().close();
        if (!guard.process().waitFor(5, TimeUnit.SECONDS)) {
            log.warn("guard", "the dead-man's switch (pid " + guard.pid() + ") is still running after 5 s");
        }
    }

    /**
     * For {@code carpd --cleanup}: waits until no guard holds the lock file (the guard of a carpd
     * that just died may still be deleting). False if one still does after the wait.
     */
    static boolean awaitGuards(Path lockFile, int seconds) throws IOException, InterruptedException {
        String flock = java.nio.file.Files.isExecutable(Path.of("/usr/bin/flock")) ? "/usr/bin/flock" : "/bin/flock";
        Process p = new ProcessBuilder(flock, "-s", "-w", Integer.toString(seconds), lockFile.toString(), "true")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(seconds + 5L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return false;
        }
        return p.exitValue() == 0;
    }

    private static String script() {
        try (InputStream in = DeadManSwitch.class.getResourceAsStream("carpd-guard.sh")) {
            if (in == null) {
                throw new IllegalStateException("carpd-guard.sh is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
