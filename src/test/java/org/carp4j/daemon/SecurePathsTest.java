package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secure-path rule on real files: what another user owns or may write is refused, with the
 * path and the reason. The checks need root (chown), as carpd does.
 */
class SecurePathsTest {
    private static final int NOBODY = 65534;
    @TempDir
    Path tmp; // root's, 0700, under /tmp (root's, sticky): a safe place as the lab's is

    @BeforeEach
    void needsRoot() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.carp4j.testing.Exec.root(), "chown needs root");
    }

    private static Path dir(Path p, String mode) throws Exception {
        Files.createDirectories(p);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    private static Path file(Path p, String mode) throws Exception {
        Files.writeString(p, "#!/bin/sh\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    private static void chown(Path p, int uid) throws Exception {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void rootsDirectoriesUnderTmpAreSafe() throws Exception {
        Path state = dir(tmp.resolve("state"), "rwx------");
        assertEquals(Optional.empty(), SecurePaths.problem(state, SecurePaths.Kind.DIRECTORY), "/tmp is root's and sticky");
        assertEquals(Optional.empty(), SecurePaths.problem(file(state.resolve("hook"), "rwxr-xr-x"), SecurePaths.Kind.FILE));
        assertEquals(Optional.empty(), SecurePaths.creatable(tmp.resolve("not/yet")));
    }

    @Test
    void aDirectoryAnotherUserOwnsIsRefused() throws Exception {
        Path state = dir(tmp.resolve("state"), "rwx------");
        chown(state, NOBODY);
        assertEquals(Optional.of(state + ": owned by uid 65534, not root"),
                SecurePaths.problem(state, SecurePaths.Kind.DIRECTORY));
        Path hooks = dir(state.resolve("hooks.d"), "rwxr-xr-x");
        assertEquals(Optional.of(state + ": owned by uid 65534, not root"),
                SecurePaths.problem(hooks, SecurePaths.Kind.DIRECTORY), "nobody could rename hooks.d away");
        assertEquals(Optional.of(state + ": owned by uid 65534, not root"), SecurePaths.creatable(state.resolve("x/y")));
    }

    @Test
    void groupOrOtherWritableIsRefusedExceptAStickyAncestor() throws Exception {
        Path state = dir(tmp.resolve("state"), "rwxrwxr-x");
        assertEquals(Optional.of(state + ": writable by group or others (mode 0775)"),
                SecurePaths.problem(state, SecurePaths.Kind.DIRECTORY));
        Path hook = file(dir(tmp.resolve("ok"), "rwx------").resolve("hook"), "rwxr-xrwx");
        assertEquals(Optional.of(hook + ": writable by group or others (mode 0757)"),
                SecurePaths.problem(hook, SecurePaths.Kind.FILE));
        Path shared = dir(tmp.resolve("shared"), "rwxrwxrwx");
        assertEquals(0, org.carp4j.testing.Exec.run("chmod", "1777", shared.toString()).exit()); // sticky, as /tmp
        Path inside = dir(shared.resolve("state"), "rwx------");
        assertEquals(Optional.empty(), SecurePaths.problem(inside, SecurePaths.Kind.DIRECTORY),
                "root's sticky directory as an ancestor, like /tmp");
        assertTrue(SecurePaths.problem(shared, SecurePaths.Kind.DIRECTORY).isPresent(),
                "but not as the state directory itself");
    }

    @Test
    void linksAreFollowedAndMustBeRootsThemselves() throws Exception {
        Path elsewhere = dir(tmp.resolve("elsewhere"), "rwx------");
        chown(elsewhere, NOBODY);
        Path link = Files.createSymbolicLink(tmp.resolve("state"), elsewhere);
        assertEquals(Optional.of(elsewhere + ": owned by uid 65534, not root"),
                SecurePaths.problem(link, SecurePaths.Kind.DIRECTORY), "judged where the link leads");

        Path good = dir(tmp.resolve("good"), "rwx------");
        Path nobodysLink = Files.createSymbolicLink(tmp.resolve("state2"), good);
        chown(nobodysLink, NOBODY);
        assertEquals(Optional.of(nobodysLink + ": a symbolic link owned by uid 65534, not root"),
                SecurePaths.problem(nobodysLink, SecurePaths.Kind.DIRECTORY), "its owner could retarget it");
    }

    @Test
    void missingAndWrongKindsAreNamed() throws Exception {
        Path d = dir(tmp.resolve("d"), "rwx------");
        assertEquals(Optional.of(d.resolve("nope") + ": does not exist"),
                SecurePaths.problem(d.resolve("nope"), SecurePaths.Kind.FILE));
        assertEquals(Optional.of(d + ": not a regular file"), SecurePaths.problem(d, SecurePaths.Kind.FILE));
    }

    @Test
    void preflightNamesEveryBadHookAndScript() throws Exception {
        Path state = dir(tmp.resolve("state"), "rwx------");
        Path hooks = dir(state.resolve("hooks.d"), "rwxr-xr-x");
        file(hooks.resolve("10-fine"), "rwxr-xr-x");
        Path writable = file(hooks.resolve("20-writable"), "rwxrwxr-x");
        Path foreign = file(hooks.resolve("30-nobodys"), "rwxr-xr-x");
        chown(foreign, NOBODY);
        file(hooks.resolve("40-not-executable"), "rw-rw-rw-"); // never runs, so never judged
        Path up = tmp.resolve("up.sh");
        assertEquals(List.of(
                writable + ": writable by group or others (mode 0775)",
                foreign + ": owned by uid 65534, not root",
                up + ": does not exist"), Preflight.paths(state, hooks, up, null));
    }
}
