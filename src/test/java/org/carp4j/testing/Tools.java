package org.carp4j.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** External programs tests use. Missing ones skip a test locally but fail it under CI (NoSkipUnderCi). */
public final class Tools {
    private Tools() {
    }

    public static boolean ci() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isEmpty();
    }

    public static void require(String program) {
        boolean found = List.of("/usr/bin", "/usr/sbin", "/bin", "/sbin").stream()
                .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
        assumeTrue(found, program + " not installed (bin/carp4j-setup --test installs it)");
    }

    /** Runs a command (killed past a minute), returns stdout; fails on a non-zero exit. */
    public static String run(String... command) throws IOException, InterruptedException {
        Exec.Result r = Exec.run(command);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + r.exit());
        }
        return r.out();
    }
}
