package org.carp4j.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What carpd checks before it touches anything: that it may change the network (root's
 * capabilities, not just uid 0: a restricted container's root lacks them), and that nobody but
 * root can change its state directory, its hooks or its scripts.
 */
final class Preflight {
    static final int EX_NOPERM = org.carp4j.control.ExitCode.NOPERM;
    static final String NOT_PRIVILEGED = "carpd: must run as root (needs CAP_NET_ADMIN and CAP_NET_RAW)";
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_NET_RAW = 13;

    private Preflight() {
    }

    /** Whether this process holds CAP_NET_ADMIN and CAP_NET_RAW (CapEff of /proc/self/status). */
    static boolean privileged() {
        try {
            return privileged(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            return false;
        }
    }

    static boolean privileged(String procStatus) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("CapEff:")) {
                long eff = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                long needed = (1L << CAP_NET_ADMIN) | (1L << CAP_NET_RAW);
                return (eff & needed) == needed;
            }
        }
        return false;
    }

    /**
     * Every reason the state directory (existing, or about to be created), the hooks directory,
     * its hooks or the up/down scripts could be changed by someone other than root.
     */
    static List<String> paths(Path stateDir, Path hooksDir, Path upscript, Path downscript) {
        List<String> problems = new ArrayList<>();
        if (Files.exists(stateDir, LinkOption.NOFOLLOW_LINKS)) {
            SecurePaths.problem(stateDir, SecurePaths.Kind.DIRECTORY).ifPresent(problems::add);
        } else {
            SecurePaths.creatable(stateDir).ifPresent(problems::add);
        }
        if (Files.exists(hooksDir, LinkOption.NOFOLLOW_LINKS)) {
            Optional<String> dir = SecurePaths.problem(hooksDir, SecurePaths.Kind.DIRECTORY);
            if (dir.isPresent()) {
                problems.add(dir.get());
            } else {
                for (Path hook : hooks(hooksDir, problems)) {
                    SecurePaths.problem(hook, SecurePaths.Kind.FILE).ifPresent(problems::add);
                }
            }
        }
        for (Path script : new Path[] {upscript, downscript}) {
            if (script != null) {
                SecurePaths.problem(script, SecurePaths.Kind.FILE).ifPresent(problems::add);
            }
        }
        return problems.stream().distinct().toList(); // one unsafe ancestor is named once
    }

    /** The hooks that would run: executable regular files (or links to them), in name order. */
    static List<Path> hooks(Path dir, List<String> problems) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).sorted().toList();
        } catch (IOException e) {
            problems.add(dir + ": cannot list: " + e.getMessage());
            return List.of();
        }
    }
}
