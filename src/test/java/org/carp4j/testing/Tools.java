package org.carp4j.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** External programs tests use. Missing ones skip a test locally but fail it under CI. */
public final class Tools {
    private Tools() {
    }

    public static boolean ci() {
        return System.getenv("CI") != null;
    }

    public static void require(String program) {
        boolean found = List.of("/usr/bin", "/usr/sbin", "/bin", "/sbin").stream()
                .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
        if (ci() && !found) {
            throw new AssertionError(program + " is required under CI (the test command installs it)");
        }
        assumeTrue(found, program + " not installed");
    }

    /** Runs a command, returns stdout; fails on a non-zero exit. */
    public static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue());
        }
        return out;
    }
}
