package org.carp4j.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a path only root can change: carpd runs what it finds in hooks.d as root and trusts
 * its state directory, so a file or directory that another user could write, replace or rename
 * would hand that user root. The rule is OpenSSH's secure-path check: the path and every directory
 * above it (also through symbolic links) is owned by root and not writable by group or others; a
 * root-owned sticky directory such as /tmp is a safe ancestor, since others cannot rename what
 * root made in it. A symbolic link on the way must itself be root's.
 */
final class SecurePaths {
    enum Kind {
        DIRECTORY("a directory"),
        FILE("a regular file"),
        /** A directory above the checked one: root's sticky world-writable directories pass too. */
        ANCESTOR("a directory");

        final String what;

        Kind(String what) {
            this.what = what;
        }
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int S_ISVTX = 01000;
    private static final int GROUP_OTHER_WRITE = 0022;

    private SecurePaths() {
    }

    /** Why the existing path p could be changed by someone other than root, or empty if it cannot. */
    static Optional<String> problem(Path p, Kind kind) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            // the path as written: a link on the way is followed later, so its owner could retarget it
            for (Path q : prefixes(abs)) {
                Stat s = lstat(q);
                if (s.type() == S_IFLNK && s.uid() != 0) {
                    return Optional.of(q + ": a symbolic link owned by uid " + s.uid() + ", not root");
                }
            }
            Path real = abs.toRealPath();
            List<Path> chain = prefixes(real);
            for (int i = 0; i < chain.size(); i++) {
                Path q = chain.get(i);
                Optional<String> bad = judge(q, lstat(q), i == chain.size() - 1 ? kind : Kind.ANCESTOR);
                if (bad.isPresent()) {
                    return bad;
                }
            }
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.of(p + ": does not exist");
        } catch (IOException e) {
            return Optional.of(p + ": cannot check: " + e.getMessage());
        }
    }

    /** For a directory carpd is about to create: the deepest part of p that exists must be safe. */
    static Optional<String> creatable(Path p) {
        Path q = p.toAbsolutePath().normalize();
        while (q != null && !Files.exists(q, LinkOption.NOFOLLOW_LINKS)) {
            q = q.getParent();
        }
        return q == null ? Optional.empty() : problem(q, Kind.ANCESTOR);
    }

    private static Optional<String> judge(Path q, Stat s, Kind kind) {
        int type = s.type();
        if (kind == Kind.FILE ? type != S_IFREG : type != S_IFDIR) {
            return Optional.of(q + ": not " + kind.what);
        }
        if (s.uid() != 0) {
            return Optional.of(q + ": owned by uid " + s.uid() + ", not root");
        }
        boolean sticky = (s.mode() & S_ISVTX) != 0;
        if ((s.mode() & GROUP_OTHER_WRITE) != 0 && !(kind == Kind.ANCESTOR && sticky)) {
            return Optional.of(q + ": writable by group or others (mode " + String.format("%04o", s.mode() & 07777) + ")");
        }
        return Optional.empty();
    }

    /** "/", "/a", "/a/b" for /a/b. */
    private static List<Path> prefixes(Path abs) {
        List<Path> out = new ArrayList<>();
        Path q = abs.getRoot();
        out.add(q);
        for (Path name : abs) {
            q = q.resolve(name);
            out.add(q);
        }
        return out;
    }

    private record Stat(int uid, int mode) {
        int type() {
            return mode & S_IFMT;
        }
    }

    private static Stat lstat(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        return new Stat((Integer) a.get("uid"), (Integer) a.get("mode"));
    }
}
