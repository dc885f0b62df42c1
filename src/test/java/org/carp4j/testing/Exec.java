package org.carp4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a child process to its end within a bound: its output goes to files (no pipe to fill, no
 * read that can block forever), and past the bound it is killed and the run fails naming the command.
 */
public final class Exec {
    /** Bound for the short commands tests run (ip, id, tshark on a file, groff...). */
    public static final Duration SHORT = Duration.ofSeconds(60);

    private Exec() {
    }

    public record Result(int exit, String out, String err) {
    }

    public static Result run(List<String> command) throws IOException, InterruptedException {
        return run(SHORT, Map.of(), false, command);
    }

    public static Result run(String... command) throws IOException, InterruptedException {
        return run(List.of(command));
    }

    /**
     * Runs command with extra environment variables; with mergeErrors its standard error is in out.
     * Its standard input is closed at once.
     */
    public static Result run(Duration limit, Map<String, String> env, boolean mergeErrors, List<String> command)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("carp4j-exec-", ".out");
        Path err = Files.createTempFile("carp4j-exec-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile());
            pb.environment().putAll(env);
            if (mergeErrors) {
                pb.redirectErrorStream(true);
            } else {
                pb.redirectError(err.toFile());
            }
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw BoundedProcess.timedOut(p, limit, String.join(" ", command));
            }
            return new Result(p.exitValue(), new String(Files.readAllBytes(out), StandardCharsets.UTF_8),
                    new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Starts a long-running process (a capture, ucarp, a pinger) whose plain waitFor() is bounded. */
    public static Process start(ProcessBuilder pb, Duration waitLimit) throws IOException {
        return new BoundedProcess(pb.start(), waitLimit, pb.command());
    }

    /** True if this JVM runs as root (uid 0). */
    public static boolean root() throws IOException, InterruptedException {
        return "0".equals(run("id", "-u").out().trim());
    }
}
