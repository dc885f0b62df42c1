package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** carpconfig, carpsysctl and carpsh against a live carpd, as an administrator types them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandsIT {
    private Lab lab;
    private Lab.Host h;

    @BeforeAll
    void daemon() throws Exception {
        lab = Lab.create(1, true);
        h = lab.h(1);
        h.startCarpd();
    }

    @AfterAll
    void teardown() {
        if (lab != null) {
            lab.close();
        }
    }

    private Path state() {
        return h.stateDir.resolve("carpd.json");
    }

    @Test
    void handbookExampleAndTheDisplay() throws Exception {
        assertEquals("net.inet.carp.allow: 1 -> 1\n", h.carpsysctl("-w", "net.inet.carp.allow=1").out());
        assertEquals(0, h.carpconfig("carp7", "create").exit());
        Lab.Result r = h.carpconfig("carp7", "vhid", "7", "pass", "lanpasswd", "carpdev", "em0", "advskew", "100",
                "10.0.0.1", "255.255.255.0");
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out() + r.err());
        assertEquals("""
                carp7: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500
                \tcarp: BACKUP carpdev em0 vhid 7 advbase 1 advskew 100
                \tinet 10.0.0.1 netmask 0xffffff00 broadcast 10.0.0.255
                """, h.carpconfig("carp7").out());
        assertFalse(Files.readString(state()).isEmpty());
        assertTrue(h.carpconfig("-l").out().contains("carp7"));
        assertTrue(h.carpconfig("-a").out().contains("carp: BACKUP carpdev em0 vhid 7"));
        String json = h.carpconfig("carp7", "--json").out();
        assertTrue(json.contains("\"state\" : \"BACKUP\"") && json.contains("\"10.0.0.1/24\""), json);
        assertFalse(json.contains("lanpasswd") || h.carpconfig("-a").out().contains("lanpasswd"),
                "the password is never displayed");
        assertFalse(h.log().contains("lanpasswd"), "nor logged");
        assertEquals(0, h.carpconfig("carp7", "destroy").exit());
        assertFalse(h.carpconfig("-l").out().contains("carp7"));
    }

    @Test
    void stateDownUpAndDemotion() throws Exception {
        assertEquals(0, h.carpconfig("carp3", "create", "vhid", "3", "carpdev", "em1", "192.0.2.103/24").exit());
        assertEquals(0, h.carpconfig("carp3", "state", "master").exit());
        assertTrue(h.carpconfig("carp3").out().contains("carp: MASTER"));
        assertTrue(h.holds("192.0.2.103"));
        assertEquals(0, h.carpconfig("carp3", "down").exit());
        assertTrue(h.carpconfig("carp3").out().startsWith("carp3: flags=8802<BROADCAST,SIMPLEX,MULTICAST>"));
        assertTrue(h.carpconfig("carp3").out().contains("carp: INIT"));
        assertFalse(h.holds("192.0.2.103"));
        assertEquals(0, h.carpconfig("carp3", "up").exit());
        assertTrue(h.carpconfig("carp3").out().contains("carp: BACKUP"));

        assertEquals("carp: carp demote count 0\n", h.carpconfig("-g", "carp").out());
        assertEquals(0, h.carpconfig("-g", "carp", "carpdemote", "5").exit());
        assertEquals(0, h.carpconfig("-g", "carp", "-carpdemote").exit());
        assertEquals("carp: carp demote count 4\n", h.carpconfig("-g", "carp").out());
        assertTrue(Files.readString(state()).contains("\"demote\" : 4"), "persisted like everything else");
        assertEquals(0, h.carpconfig("-g", "carp", "-carpdemote", "4").exit());
        assertEquals(0, h.carpconfig("carp3", "destroy").exit());
    }

    @Test
    void badWordsAreRefusedAndTheSavedStateStaysByteIdentical() throws Exception {
        assertEquals(0, h.carpconfig("carp1", "create", "vhid", "1", "carpdev", "em0", "172.16.0.101/24").exit());
        byte[] before = Files.readAllBytes(state());
        String[][] table = {
            {"vhid 256: too large", "carp1", "vhid", "256"},
            {"carp9: no such interface", "carp9"},
            {"pass: longer than 19 characters", "carp1", "pass", "abcdefghijklmnopqrst"},
            {"unknown keyword frobnicate", "carp1", "advskew", "5", "frobnicate"},
            {"unknown keyword vhdi, did you mean vhid?", "carp1", "vhdi", "2"},
            {"mtu: not supported by carpconfig", "carp1", "mtu", "1400"},
            {"carpdev carp0: a carp interface cannot carry carp (carp on carp)", "carp1", "carpdev", "carp0"},
            {"advbase 0 with advskew 0: no interval (advbase 0 needs advskew 1 to 254)", "carp1", "advbase", "0"},
            {"172.16.0.255: the broadcast address of 172.16.0.0/24", "carp1", "172.16.0.255/24", "alias"},
            {"advskew 255: too large", "carp1", "advskew", "255"},
            {"carpdev em7: no such interface", "carp1", "carpdev", "em7"},
            {"carp1: interface exists", "carp1", "create"},
            {"carp: invalid carp demotion: too large", "-g", "carp", "carpdemote", "129"},
        };
        for (String[] row : table) {
            Lab.Result r = h.carpconfig(java.util.Arrays.copyOfRange(row, 1, row.length));
            assertEquals(1, r.exit(), String.join(" ", row));
            assertEquals("carpconfig: " + row[0] + "\n", r.err());
            assertEquals("", r.out());
        }
        for (String[] row : new String[][] {
            {"unknown oid 'net.inet.carp.bogus'", "net.inet.carp.bogus=1"},
            {"invalid integer 'on'", "-w", "preempt=on"},
            {"unknown oid 'preemt', did you mean 'preempt'?", "preemt=1"},
            {"oid 'net.inet.carp.stats.badttl' is read only", "net.inet.carp.stats.badttl=0"},
        }) {
            Lab.Result r = h.carpsysctl(java.util.Arrays.copyOfRange(row, 1, row.length));
            assertEquals(1, r.exit());
            assertEquals("carpsysctl: " + row[0] + "\n", r.err());
        }
        assertArrayEquals(before, Files.readAllBytes(state()), "a rejected command leaves the state byte-identical");
        assertEquals(0, h.carpconfig("carp1", "destroy").exit());
    }

    @Test
    void sysctlReadsWritesAndCounters() throws Exception {
        assertEquals("net.inet.carp.preempt: 0 -> 1\n", h.carpsysctl("-w", "net.inet.carp.preempt=1").out());
        assertEquals("net.inet.carp.preempt: 1\n", h.carpsysctl("net.inet.carp.preempt").out());
        assertEquals("1\n", h.carpsysctl("-n", "preempt").out());
        assertEquals("net.inet.carp.preempt: 1 -> 0\n", h.carpsysctl("preempt=0").out());
        String all = h.carpsysctl("-a").out();
        for (String n : List.of("allow", "preempt", "log", "arpbalance", "stats.ipackets", "stats.badauth", "stats.badttl")) {
            assertTrue(all.contains("net.inet.carp." + n + ": "), all);
        }
    }

    @Test
    void theShellRunsAPastedHandbookPage() throws Exception {
        String page = """
                #Enable preemption and group interface failover
                # sysctl -w net.inet.carp.preempt=1

                #Configure CARP on the LAN side
                # ifconfig carp0 create
                # ifconfig carp0 vhid 1 pass lanpasswd carpdev em0 \\
                     172.16.0.100 255.255.255.0

                #Configure CARP on the WAN side
                # ifconfig carp1 create
                # ifconfig carp1 vhid 2 pass wanpasswd carpdev em1 \\
                     advskew 128 192.0.2.100 255.255.255.0
                ifconfig carp1
                sysctl net.inet.carp.preempt
                """;
        Lab.Result r = Lab.Result.of(List.of("bash", "-c", "printf '%s' \"$1\" | ip netns exec " + h.ns
                + " env CARPD_STATE_DIR=" + h.stateDir + " " + Lab.ROOT.resolve("bin/carpsh"), "x", page));
        assertEquals(0, r.exit(), r.err());
        assertEquals("""
                net.inet.carp.preempt: 0 -> 1
                carp1: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500
                \tcarp: BACKUP carpdev em1 vhid 2 advbase 1 advskew 128
                \tinet 192.0.2.100 netmask 0xffffff00 broadcast 192.0.2.255
                net.inet.carp.preempt: 1
                """, r.out());
        Lab.Result bad = h.tool("carpsh", "-c", "ifconfig carp0 vhid 300");
        assertEquals(1, bad.exit());
        assertEquals("carpconfig: vhid 300: too large\n", bad.err());
        for (String c : new String[] {"carp0", "carp1"}) {
            h.carpconfig(c, "destroy");
        }
        h.carpsysctl("preempt=0");
    }

    private String savedPassword(String ifname) throws Exception {
        return org.carp4j.config.StateFile.parse(state(), Files.readAllBytes(state())).find(ifname).orElseThrow().password();
    }

    @Test
    void passDashReadsThePasswordFromStandardInputAndNoPasswordIsWarnedAbout() throws Exception {
        // what an administrator types: echo "$secret" | carpconfig carp5 ... pass - ...
        Lab.Result r = Lab.Result.of(List.of("bash", "-c", "printf '%s\\n' \"$1\" | ip netns exec " + h.ns
                + " env CARPD_STATE_DIR=" + h.stateDir + " " + Lab.ROOT.resolve("bin/carpconfig")
                + " carp5 create vhid 5 pass - carpdev em0 172.16.0.105/24", "x", "s3cret from stdin"));
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out() + r.err());
        assertEquals("s3cret from stdin", savedPassword("carp5"), "the line, as it was typed");
        assertFalse(h.carpconfig("carp5").out().contains("s3cret"), "and never displayed");

        Lab.Result none = h.carpconfig("carp5", "pass", "-"); // standard input at its end
        assertEquals(1, none.exit());
        assertEquals("carpconfig: pass -: no password was given\n", none.err());
        assertEquals("s3cret from stdin", savedPassword("carp5"), "nothing changed");

        Lab.Result open = h.carpconfig("carp6", "create", "vhid", "6", "carpdev", "em0", "172.16.0.106/24");
        assertEquals(0, open.exit(), "a warning, not an error");
        assertEquals("carpconfig: warning: carp6 has no password; anyone on the LAN can take over vhid 6\n", open.err());
        assertEquals("", h.carpconfig("carp6", "advskew", "50").err(), "once");
        for (String c : new String[] {"carp5", "carp6"}) {
            assertEquals(0, h.carpconfig(c, "destroy").exit());
        }
    }

    @Test
    void withoutADaemonOneClearLine() throws Exception {
        Lab.Result r = Lab.Result.of(List.of("env", "CARPD_STATE_DIR=" + lab.dir().resolve("nowhere"),
                Lab.ROOT.resolve("bin/carpconfig").toString(), "carp0"));
        assertEquals(69, r.exit());
        assertEquals(1, r.err().lines().count());
        assertTrue(r.err().startsWith("carpconfig: carpd is not running"), r.err());
    }
}
