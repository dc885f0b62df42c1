package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.carp4j.cli.Version;
import org.carp4j.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package `mvn package` builds: its contents and metadata, installed into a scratch root
 * with `dpkg --root`, and the installed carpd and commands running the handbook's pair in the lab.
 * Where a check needs the installed files at their real paths (the AppCDS archive, systemd-analyze),
 * a private mount namespace lays the scratch root's /usr over the host's.
 */
class PackageIT extends LabTest {
    /** The pom's version as Debian spells it (1.0-SNAPSHOT: 1.0~SNAPSHOT, which sorts before 1.0). */
    static final String VERSION = Version.number().replace('-', '~');
    static final Path DEB = Lab.ROOT.resolve("target/carp4j_" + VERSION + "_all.deb");

    @TempDir
    static Path scratch;
    static Path root;

    @BeforeAll
    static void install() throws Exception {
        assertTrue(Files.isRegularFile(DEB), DEB + ": mvn package builds it before the integration tests");
        root = dpkgRoot(scratch.resolve("root"));
        Lab.Result r = dpkg(root, "-i", DEB.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
    }

    /** An empty root with a dpkg database: the JRE and libpcap it depends on are the host's. */
    static Path dpkgRoot(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("var/lib/dpkg/info"));
        Files.createDirectories(dir.resolve("var/lib/dpkg/updates"));
        Files.createDirectories(dir.resolve("etc/systemd/system"));
        Files.createFile(dir.resolve("var/lib/dpkg/status"));
        return dir;
    }

    /** dpkg on a scratch root; the maintainer scripts run without chroot and honour $DPKG_ROOT. */
    static Lab.Result dpkg(Path root, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dpkg", "--root=" + root, "--force-script-chrootless",
                "--force-depends", "--force-not-root"));
        cmd.addAll(List.of(args));
        return Lab.Result.of(cmd);
    }

    static Lab.Result run(String... cmd) throws Exception {
        return Lab.Result.of(List.of(cmd));
    }

    /** cmd with the scratch root's /usr and units at their real paths, as `apt install` puts them. */
    static List<String> installedView(String... cmd) {
        List<String> view = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "bash", "-c",
                "set -e; mount -t overlay overlay -o \"lowerdir=$1/usr:/usr\" /usr\n"
                + "units=$(readlink -f /lib/systemd/system)\n"
                + "mount -t overlay overlay -o \"lowerdir=$1/lib/systemd/system:$units\" \"$units\"\n"
                + "shift; exec \"$@\"", "view", root.toString()));
        view.addAll(List.of(cmd));
        return view;
    }

    /** path -> "mode owner [-> target]" from dpkg-deb -c. */
    static Map<String, String> contents() throws Exception {
        Lab.Result r = run("dpkg-deb", "-c", DEB.toString());
        assertEquals(0, r.exit(), r.err());
        return r.out().lines().map(l -> l.split("\\s+", 6)).collect(Collectors.toMap(
                f -> f[5].replaceFirst("^\\./", "/").replaceFirst(" -> .*", "").replaceFirst("(.)/$", "$1"),
                f -> f[0] + " " + f[1] + (f[5].contains(" -> ") ? " -> " + f[5].substring(f[5].indexOf(" -> ") + 4) : "")));
    }

    @Test
    void commandsJarManPagesCompletionsAndUnitAreWhereDebianKeepsThem() throws Exception {
        Map<String, String> c = contents();
        assertEquals("lrwxrwxrwx root/root -> ../share/carp4j/bin/carpd", c.get("/usr/sbin/carpd"));
        assertEquals("lrwxrwxrwx root/root -> ../share/carp4j/bin/carpconfig", c.get("/usr/sbin/carpconfig"));
        assertEquals("lrwxrwxrwx root/root -> ../share/carp4j/bin/carpsysctl", c.get("/usr/sbin/carpsysctl"));
        assertEquals("lrwxrwxrwx root/root -> ../share/carp4j/bin/carpsh", c.get("/usr/bin/carpsh"));
        assertEquals("-rwxr-xr-x root/root", c.get("/usr/share/carp4j/bin/carp4j-java"));
        for (String f : List.of("/usr/share/carp4j/carp4j.jar", "/usr/share/carp4j/carp4j-client.jsa",
                "/lib/systemd/system/carpd.service", "/usr/share/man/man8/carpd.8.gz", "/usr/share/man/man8/carpconfig.8.gz",
                "/usr/share/man/man8/carpsysctl.8.gz", "/usr/share/man/man1/carpsh.1.gz", "/usr/share/man/man4/carp.4.gz",
                "/usr/share/bash-completion/completions/carpconfig", "/usr/share/zsh/vendor-completions/_carp4j",
                "/usr/share/doc/carp4j/copyright", "/usr/share/doc/carp4j/changelog.gz")) {
            assertEquals("-rw-r--r-- root/root", c.get(f), f);
        }
        for (String cmd : List.of("carpd", "carpsysctl", "carpsh")) {
            assertEquals("lrwxrwxrwx root/root -> carpconfig", c.get("/usr/share/bash-completion/completions/" + cmd),
                    "bash-completion loads a command's completion from a file named after it");
        }
        assertTrue(c.keySet().stream().anyMatch(p -> p.matches("/usr/share/carp4j/lib/picocli-[0-9.]+\\.jar")), c.toString());
        assertEquals(List.of(), c.keySet().stream()
                .filter(p -> !p.matches("/|/usr(/.*)?|/lib|/lib/systemd|/lib/systemd/system(/.*)?")).toList(),
                "nothing outside /usr and the unit directory");
        assertTrue(c.values().stream().allMatch(v -> v.contains(" root/root")), "everything root's");
    }

    @Test
    void metadataNamesTheVersionAndOnlyTheDependenciesCarpdNeeds() throws Exception {
        Lab.Result r = run("dpkg-deb", "-f", DEB.toString(), "Package", "Version", "Architecture", "Depends");
        assertEquals(0, r.exit(), r.err());
        assertEquals("Package: carp4j\nVersion: " + VERSION + "\nArchitecture: all\n"
                + "Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, libpcap0.8, iproute2\n", r.out());
        Lab.Result info = run("dpkg-deb", "-I", DEB.toString());
        for (String script : List.of("postinst", "prerm", "postrm", "triggers", "md5sums")) {
            assertTrue(info.out().contains(" " + script), info.out());
        }
    }

    @Test
    void lintianFindsNoErrors() throws Exception {
        Tools.require("lintian");
        Lab.Result r = run("lintian", "--tag-display-limit", "0", DEB.toString());
        System.out.println("lintian:\n" + r.out());
        assertEquals(List.of(), r.out().lines().filter(l -> l.startsWith("E:")).toList());
        assertEquals(0, r.exit(), r.out() + r.err());
    }

    @Test
    void installEnablesTheUnitRemoveKeepsTheStateAndPurgeDeletesIt() throws Exception {
        Path r = dpkgRoot(scratch.resolve("lifecycle"));
        assertEquals(0, dpkg(r, "-i", DEB.toString()).exit());
        Path state = r.resolve("var/lib/carpd");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        assertEquals("root", Files.getOwner(state).getName());
        Path wants = r.resolve("etc/systemd/system/multi-user.target.wants/carpd.service");
        assertEquals(Path.of("/lib/systemd/system/carpd.service"), Files.readSymbolicLink(wants), "enabled on install");
        Files.writeString(state.resolve("carpd.json"), "{\"version\": 1}\n");

        Lab.Result remove = dpkg(r, "-r", "carp4j");
        assertEquals(0, remove.exit(), remove.err());
        assertFalse(Files.exists(r.resolve("usr/share/carp4j/carp4j.jar")));
        assertEquals("{\"version\": 1}\n", Files.readString(state.resolve("carpd.json")), "remove keeps the configuration");

        Lab.Result purge = dpkg(r, "-P", "carp4j");
        assertEquals(0, purge.exit(), purge.err());
        assertFalse(Files.exists(state), "purge deletes /var/lib/carpd");
        assertFalse(Files.exists(wants, java.nio.file.LinkOption.NOFOLLOW_LINKS), "and the unit's enablement");
    }

    /**
     * The scripts' systemd side, on a host where systemd runs (stand-ins record what is called):
     * install enables and reloads but never starts, an upgrade restarts a running carpd, remove stops
     * it (SIGTERM: the bow-out) and an upgrade's prerm leaves it running.
     */
    @Test
    void maintainerScriptsEnableWithoutStartingAndStopOnRemove() throws Exception {
        Path dir = Files.createDirectories(scratch.resolve("scripts"));
        assertEquals(0, run("dpkg-deb", "-e", DEB.toString(), dir.resolve("DEBIAN").toString()).exit());
        Path stubs = Files.createDirectories(dir.resolve("stubs"));
        for (String tool : List.of("deb-systemd-helper", "deb-systemd-invoke", "systemctl")) {
            Path stub = stubs.resolve(tool);
            Files.writeString(stub, "#!/bin/sh\necho \"" + tool + " $*\" >> \"$CALLS\"\n");
            Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        String calls = scripted(dir, stubs, "postinst configure", "prerm remove", "postinst configure 0.0.1",
                "prerm upgrade 0.2.0");
        assertEquals("""
                == postinst configure
                deb-systemd-helper unmask carpd.service
                deb-systemd-helper --quiet was-enabled carpd.service
                deb-systemd-helper enable carpd.service
                systemctl --system daemon-reload
                == prerm remove
                deb-systemd-invoke stop carpd.service
                == postinst configure 0.0.1
                deb-systemd-helper unmask carpd.service
                deb-systemd-helper --quiet was-enabled carpd.service
                deb-systemd-helper enable carpd.service
                systemctl --system daemon-reload
                deb-systemd-invoke try-restart carpd.service
                == prerm upgrade 0.2.0
                """, calls);
    }

    /** Runs each "script args" in a private mount namespace where /run/systemd/system exists. */
    private static String scripted(Path dir, Path stubs, String... runs) throws Exception {
        Path calls = dir.resolve("calls");
        StringBuilder sh = new StringBuilder("set -e; mount -t tmpfs tmpfs /run; mkdir -p /run/systemd/system\n"
                + "mount -t tmpfs tmpfs /var/lib; mount -t tmpfs tmpfs /var/cache\n");
        for (String r : runs) {
            sh.append("echo '== ").append(r).append("' >> \"$CALLS\"; \"$DEB/").append(r.replaceFirst(" ", "\" "))
                    .append('\n');
        }
        org.carp4j.testing.Exec.Result q = org.carp4j.testing.Exec.run(Duration.ofSeconds(30), java.util.Map.of(), true,
                List.of("env", "PATH=" + stubs + ":/usr/sbin:/usr/bin:/sbin:/bin", "CALLS=" + calls,
                        "DEB=" + dir.resolve("DEBIAN"), "unshare", "--mount", "--propagation", "private", "bash", "-c",
                        sh.toString()));
        assertEquals(0, q.exit(), q.out());
        return Files.readString(calls).replace("'", "");
    }

    @Test
    void everyProgramAndManPageCarriesThePackageVersion() throws Exception {
        for (String cmd : List.of("usr/sbin/carpd", "usr/sbin/carpconfig", "usr/sbin/carpsysctl", "usr/bin/carpsh")) {
            Lab.Result r = run(root.resolve(cmd).toString(), "--version");
            assertEquals(0, r.exit(), r.err());
            assertEquals(cmd.substring(cmd.lastIndexOf('/') + 1) + " " + Version.number() + "\n", r.out());
        }
        Lab.Result man = Lab.Result.of(List.of("env", "MANPATH=" + root.resolve("usr/share/man"), "MANWIDTH=80",
                "man", "-P", "cat", "carpconfig"));
        assertEquals(0, man.exit(), man.err());
        assertTrue(man.out().contains("carpconfig"), man.out());
        assertTrue(man.out().lines().reduce((a, b) -> b.isBlank() ? a : b).orElse("").contains("carp4j " + Version.number()),
                "the footer names the version:\n" + man.out());
    }

    @Test
    void bashCompletesFromTheInstalledScripts() throws Exception {
        boolean loader = Files.exists(Path.of("/usr/share/bash-completion/bash_completion"));
        org.junit.jupiter.api.Assumptions.assumeTrue(loader,
                "bash-completion not installed (bin/carp4j-setup --test installs it)");
        // bash-completion finds a command's completion by its name under $XDG_DATA_DIRS, on first Tab
        String script = "source /usr/share/bash-completion/bash_completion\n"
                + "__load_completion carpsysctl || exit 3\n"
                + "COMP_WORDS=(carpsysctl net.inet.carp.p); COMP_CWORD=1; COMP_LINE='carpsysctl net.inet.carp.p'\n"
                + "$(complete -p carpsysctl | sed 's/.*-F \\([^ ]*\\) .*/\\1/') carpsysctl net.inet.carp.p carpsysctl\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        Lab.Result r = Lab.Result.of(List.of("env", "XDG_DATA_DIRS=" + root.resolve("usr/share"), "bash", "-c", script));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertEquals("net.inet.carp.preempt\n", r.out());
    }

    @Test
    void theInstalledCommandsUseTheShippedCdsArchiveAndNeverWriteOne() throws Exception {
        Path archive = root.resolve("usr/share/carp4j/carp4j-client.jsa");
        long before = Files.getLastModifiedTime(archive).toMillis();
        byte[] bytes = Files.readAllBytes(archive);
        assertTrue(mapsOfARunningCarpsh(installedView("/usr/bin/carpsh")).contains("/usr/share/carp4j/carp4j-client.jsa"),
                "installed at its real paths, a command maps the package's archive");
        assertFalse(mapsOfARunningCarpsh(List.of(root.resolve("usr/bin/carpsh").toString())).contains("carp4j-client.jsa"),
                "anywhere else the class path differs and the JVM leaves the archive alone (the check above means something)");
        assertEquals(0, Lab.Result.of(installedView("/usr/sbin/carpconfig", "--version")).exit());
        assertEquals(before, Files.getLastModifiedTime(archive).toMillis());
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(archive)), "no command rewrites it");

        // a (writable) tree without the archive: commands run, and none records one (no first-run dump)
        Files.delete(archive);
        try {
            assertEquals(0, run(root.resolve("usr/sbin/carpsysctl").toString(), "--version").exit());
            assertTrue(Lab.Result.of(List.of("env", "CARPD_STATE_DIR=" + scratch, root.resolve("usr/sbin/carpconfig").toString(),
                    "-a")).err().contains("carpd is not running"));
            try (var files = Files.list(archive.getParent())) {
                assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".jsa")).toList());
            }
        } finally {
            Files.write(archive, bytes);
            Files.setLastModifiedTime(archive, java.nio.file.attribute.FileTime.fromMillis(before));
        }
    }

    /**
     * A JDK update leaves the shipped archive fitting nothing: dpkg's trigger on /usr/lib/jvm runs
     * the postinst, which records an archive for this JDK in /var/cache/carp4j by the same training
     * run, and the commands use it; once the shipped one fits again (a rebuilt package), it goes.
     * /var/cache is a scratch tmpfs here.
     */
    @Test
    void aJdkUpdateGetsAnArchiveOfItsOwnFromTheTrigger() throws Exception {
        Path shipped = root.resolve("usr/share/carp4j/carp4j-client.jsa");
        byte[] bytes = Files.readAllBytes(shipped);
        String postinst = root.resolve("var/lib/dpkg/info/carp4j.postinst").toString();
        // an archive that fits something else, as after a JDK update: here the checkout's class path
        Files.delete(shipped);
        Files.copy(Lab.ROOT.resolve("target/carp4j-client.jsa"), shipped);
        try {
            String maps = mapsOfARunningCarpsh(installedView("bash", "-c", "set -e; mount -t tmpfs tmpfs /var/cache\n"
                    + "\"$0\" triggered /usr/lib/jvm; exec /usr/bin/carpsh", postinst));
            assertTrue(maps.contains("/var/cache/carp4j/carp4j-client.jsa"), "the command maps the archive made for this JDK");
        } finally {
            Files.delete(shipped);
            Files.write(shipped, bytes);
        }
        Lab.Result fits = Lab.Result.of(installedView("bash", "-c", "set -e; mount -t tmpfs tmpfs /var/cache\n"
                + "mkdir /var/cache/carp4j; echo old > /var/cache/carp4j/carp4j-client.jsa\n"
                + "\"$0\" triggered /usr/lib/jvm; ! test -e /var/cache/carp4j/carp4j-client.jsa", postinst));
        assertEquals(0, fits.exit(), "the shipped archive fits: the local one is removed\n" + fits.out() + fits.err());
    }

    /**
     * /proc/PID/maps of carpsh once it has answered a line: by then the JVM has long decided whether
     * the archive is valid (a rejected one is unmapped before main runs). carpsh waits for more input.
     */
    private static String mapsOfARunningCarpsh(List<String> carpsh) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "CARPD_STATE_DIR=" + scratch));
        cmd.addAll(carpsh);
        Process sh = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            sh.getOutputStream().write("ifconfig carp0\n".getBytes(StandardCharsets.UTF_8));
            sh.getOutputStream().flush();
            assertTrue(Lab.eventually(Duration.ofSeconds(20), () -> sh.getInputStream().available() > 0), "carpsh answers");
            assertTrue(sh.isAlive(), "carpsh goes on reading");
            // env and the launchers exec: the process started is the JVM
            return Files.readString(Path.of("/proc/" + sh.pid() + "/maps"));
        } finally {
            sh.getOutputStream().close();
            if (!sh.waitFor(10, TimeUnit.SECONDS)) {
                sh.destroyForcibly();
            }
        }
    }

    @Test
    void systemdAnalyzeVerifiesTheInstalledUnit() throws Exception {
        Tools.require("systemd-analyze");
        List<String> cmd = new ArrayList<>(List.of("env", "MANPATH=/usr/share/man"));
        cmd.addAll(installedView("systemd-analyze", "verify", "carpd.service"));
        Lab.Result r = Lab.Result.of(cmd);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertEquals("", r.out() + r.err());
    }

    /** The handbook's 28.4 pair, carpd and carpsh run from the scratch root's /usr/sbin and /usr/bin. */
    @Test
    void theHandbookPairRunsFromTheInstalledPaths() throws Exception {
        lab = Lab.create(3, true).programs(name -> root.resolve((name.equals("carpsh") ? "usr/bin/" : "usr/sbin/") + name));
        lab.h(1).startCarpd();
        lab.h(2).startCarpd();
        paste(lab.h(1), HandbookIT.page(""));
        assertTrue(Lab.eventually(Duration.ofSeconds(10),
                () -> lab.h(1).holds(HandbookIT.LAN_VIP) && lab.h(1).holds(HandbookIT.WAN_VIP)), lab.h(1).log());
        paste(lab.h(2), HandbookIT.page("128"));
        assertTrue(Lab.eventually(Duration.ofSeconds(10),
                () -> lab.h(2).carpconfig("carp0").out().contains("carp: BACKUP")), lab.h(2).log());
        assertTrue(lab.h(1).carpconfig("carp0").out().contains("carp: MASTER carpdev em0 vhid 1"));
        assertEquals("net.inet.carp.preempt: 1\n", lab.h(2).carpsysctl("net.inet.carp.preempt").out());

        assertEquals(0, lab.h(1).carpconfig("carp0", "down").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(2), () -> lab.h(2).holds(HandbookIT.LAN_VIP)),
                "the installed carpd bows out: the backup takes over at once");
        assertTrue(lab.h(1).holds(HandbookIT.WAN_VIP), "only carp0 was taken down");
    }

    private static void paste(Lab.Host h, String text) throws Exception {
        Lab.Result r = Lab.Result.of(List.of("bash", "-c", "printf '%s' \"$1\" | ip netns exec " + h.ns
                + " env CARPD_STATE_DIR=" + h.stateDir + " " + root.resolve("usr/bin/carpsh"), "paste", text));
        assertEquals(0, r.exit(), r.err());
    }
}
