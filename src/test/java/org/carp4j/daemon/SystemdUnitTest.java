package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.carp4j.testing.Exec;
import org.carp4j.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etc/systemd/carpd.service: restarted whatever ends it, watched, sandboxed, and systemd-analyze is happy. */
class SystemdUnitTest {
    static final Path ROOT = Path.of(System.getProperty("carp4j.root", ".")).toAbsolutePath();
    static final Path UNIT = ROOT.resolve("etc/systemd/carpd.service");

    /** key=value of the [Service] section (a repeated key keeps its last value). */
    private static Map<String, String> service() throws Exception {
        String text = Files.readString(UNIT);
        String section = text.substring(text.indexOf("[Service]"), text.indexOf("[Install]"));
        return section.lines().filter(l -> l.contains("=") && !l.startsWith("#"))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1),
                        (a, b) -> b));
    }

    @Test
    void restartedWhateverEndsItButNotARefusedStart() throws Exception {
        Map<String, String> s = service();
        assertEquals("always", s.get("Restart"));
        assertEquals("1", s.get("RestartSec"));
        assertEquals("77 78", s.get("RestartPreventExitStatus"), "EX_NOPERM and EX_CONFIG: retrying cannot help");
        assertEquals("/usr/sbin/carpd --cleanup", s.get("ExecStopPost"), "where the Debian package puts carpd");
    }

    @Test
    void carpdReportsReadyAndFeedsAWatchdog() throws Exception {
        Map<String, String> s = service();
        assertEquals("notify", s.get("Type"));
        assertEquals("main", s.get("NotifyAccess"));
        assertEquals("5s", s.get("WatchdogSec"));
    }

    /** advbase 0 leaves 94 to 141 ms before a peer takes over: a busy host must not starve carpd. */
    @Test
    void carpdRunsAboveOrdinaryLoadButNotRealtime() throws Exception {
        Map<String, String> s = service();
        assertEquals("-10", s.get("Nice"));
        assertTrue(!s.containsKey("CPUSchedulingPolicy"), "no realtime policy for a JVM");
        assertEquals("yes", s.get("RestrictRealtime"));
    }

    @Test
    void sandboxedToWhatARootNetworkDaemonNeeds() throws Exception {
        Map<String, String> s = service();
        assertEquals("CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE", s.get("CapabilityBoundingSet"));
        assertEquals("strict", s.get("ProtectSystem"));
        assertEquals("/var/lib/carpd", s.get("ReadWritePaths"));
        assertEquals("carpd", s.get("StateDirectory"));
        assertEquals("0700", s.get("StateDirectoryMode"));
        for (String yes : List.of("NoNewPrivileges", "ProtectHome", "PrivateTmp", "LockPersonality", "RestrictSUIDSGID")) {
            assertEquals("yes", s.get(yes), yes);
        }
        assertEquals("AF_INET AF_INET6 AF_NETLINK AF_PACKET AF_UNIX", s.get("RestrictAddressFamilies"),
                "AF_PACKET for pcap, AF_NETLINK for ip, AF_UNIX for sd_notify");
        assertTrue(Files.readAllLines(UNIT).containsAll(List.of("Environment=XDG_CACHE_HOME=/var/cache/carpd",
                "CacheDirectory=carpd")), "JNA unpacks its library there, as ~/.cache is hidden");
        assertTrue(!s.containsKey("ProtectKernelTunables"), "carpd writes /proc/sys/net/ipv{4,6}/conf/*");
        assertTrue(!s.containsKey("MemoryDenyWriteExecute"), "the JVM's JIT writes code");
    }

    /** With the paths pointed at this checkout and its man pages, systemd-analyze verify says nothing. */
    @Test
    void systemdAnalyzeVerifyIsClean(@TempDir Path tmp) throws Exception {
        Tools.require("systemd-analyze");
        Path unit = Files.createDirectories(tmp.resolve("unit")).resolve("carpd.service");
        Files.writeString(unit, Files.readString(UNIT).replace("/usr/sbin/carpd", ROOT.resolve("bin/carpd").toString()));
        for (String page : List.of("carpd.8", "carp.4")) {
            Path dir = Files.createDirectories(tmp.resolve("man/man" + page.substring(page.length() - 1)));
            Files.copy(ROOT.resolve("man/" + page), dir.resolve(page));
        }
        Exec.Result r = Exec.run(Exec.SHORT, java.util.Map.of("MANPATH", tmp.resolve("man").toString()), true,
                List.of("systemd-analyze", "verify", unit.toString()));
        String out = r.out();
        assertEquals(0, r.exit(), out);
        assertEquals("", out);
    }
}
