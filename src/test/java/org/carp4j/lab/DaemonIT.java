package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * carpd on a real (namespaced) segment: two daemons, a third host as the client, real frames,
 * real addresses. Needs root.
 */
class DaemonIT extends LabTest {
    static final String VIP = "172.16.0.100";

    /** Handbook 28.4 on h2 (the backup, advskew 100); h1 is the same group with advskew 0. */
    private void pair(String... h1Sysctls) throws Exception {
        lab = Lab.create(3, false);
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            assertTrue(lab.h(i).carpd().isAlive(), lab.h(i).log());
        }
        for (String s : h1Sysctls) {
            assertEquals(0, lab.h(1).carpsysctl("-w", s).exit());
        }
        assertEquals(0, lab.h(1).carpconfig("carp0", "create").exit());
        assertEquals(0, lab.h(1).carpconfig("carp0", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0",
                VIP, "255.255.255.0").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP)), lab.h(1).log());
        assertEquals(0, lab.h(2).carpconfig("carp0", "create").exit());
        Lab.Result r = lab.h(2).carpconfig("carp0", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0",
                "advskew", "100", VIP, "255.255.255.0");
        assertEquals(0, r.exit(), r.err());
    }

    @Test
    void twoDaemonsElectOneMasterAndTheVipAnswersAThirdHost() throws Exception {
        pair();
        // Everything h2 sends while BACKUP, seen from its switch port: never the virtual MAC,
        // even when the client talks to h2 itself (ARP, ping) and asks for the VIP.
        java.nio.file.Path fromBackup = lab.dir().resolve("from-h2.pcap");
        Process tcpdump = lab.capture(fromBackup, "h2-em0", "ether src 00:00:5e:00:01:01");
        java.nio.file.Path fromMaster = lab.dir().resolve("from-h1.pcap"); // the control: the master does
        Process control = lab.capture(fromMaster, "h1-em0", "ether src 00:00:5e:00:01:01");
        assertTrue(lab.h(3).ping("172.16.0.2"));
        lab.h(3).exec("arping", "-c", "2", "-w", "3", "-I", "em0", VIP);
        lab.h(3).exec("arping", "-c", "2", "-w", "3", "-I", "em0", "172.16.0.2");
        Thread.sleep(5000); // longer than h2's master-down interval: it must stay BACKUP
        tcpdump.destroy();
        control.destroy();
        tcpdump.waitFor();
        control.waitFor();
        assertTrue(Files.size(fromMaster) > 24 + 5 * 70, "the master's adverts come from the virtual MAC");
        assertEquals(24, Files.size(fromBackup), "a BACKUP sent a frame from the virtual MAC (pcap holds more than its header)");
        assertTrue(lab.h(1).holds(VIP));
        assertFalse(lab.h(2).holds(VIP));
        assertEquals("""
                carp0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500
                \tcarp: BACKUP carpdev em0 vhid 1 advbase 1 advskew 100
                \tinet 172.16.0.100 netmask 0xffffff00 broadcast 172.16.0.255
                """, lab.h(2).carpconfig("carp0").out());
        assertTrue(lab.h(1).carpconfig("carp0").out().contains("carp: MASTER carpdev em0 vhid 1 advbase 1 advskew 0"));

        // a real interface the admin can see, with the virtual MAC
        assertTrue(lab.h(1).exec("ip", "link", "show", "carp0").contains("00:00:5e:00:01:01"));
        assertTrue(lab.h(3).ping(VIP));
        assertTrue(lab.h(3).exec("ip", "neigh", "show", VIP).contains("00:00:5e:00:01:01"),
                "the third host reaches the VIP at the virtual MAC: " + lab.h(3).exec("ip", "neigh", "show", VIP));
        assertTrue(lab.h(1).logged("carp0: BACKUP -> MASTER (master timed out)"), lab.h(1).log());
    }

    @Test
    void aCableCutMovesTheVipToTheBackup() throws Exception {
        pair();
        Thread.sleep(1500);
        long cut = System.nanoTime();
        lab.h(1).cut("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(2).holds(VIP)), lab.h(2).log());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut);
        System.out.println("carp4j failover after cable cut (advskew 100 backup): " + ms + " ms");
        assertTrue(Lab.eventually(Duration.ofSeconds(2), () -> !lab.h(1).holds(VIP)),
                "a carpdev without carrier puts the group in INIT and releases the VIP");
        assertTrue(lab.h(1).carpconfig("carp0").out().contains("carp: INIT"));
        assertTrue(lab.h(3).ping(VIP));
        assertTrue(lab.h(2).logged("BACKUP -> MASTER (master timed out)"));
    }

    @Test
    void killMinus9MovesTheVipAndARestartRestoresTheConfiguration() throws Exception {
        pair("net.inet.carp.preempt=1");
        byte[] saved = Files.readAllBytes(lab.h(1).stateDir.resolve("carpd.json"));
        lab.h(1).signal("KILL");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(2).holds(VIP)));
        assertFalse(lab.h(1).holds(VIP), "a killed carpd's guard removed its address (LifecycleIT)");

        lab.h(1).startCarpd();
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(1).holds(VIP) && !lab.h(2).holds(VIP)),
                "restored with preempt, h1 takes the VIP back");
        assertTrue(lab.h(1).carpconfig("carp0").out().contains("carp: MASTER carpdev em0 vhid 1 advbase 1 advskew 0"));
        assertEquals("net.inet.carp.preempt: 1\n", lab.h(1).carpsysctl("net.inet.carp.preempt").out());
        assertArrayEquals(saved, Files.readAllBytes(lab.h(1).stateDir.resolve("carpd.json")));
        assertTrue(lab.h(3).ping(VIP));
    }

    @Test
    void sigtermWhileMasterBowsOutReleasesTheVipAndExitsZero() throws Exception {
        pair();
        Thread.sleep(1500);
        long t = System.nanoTime();
        lab.h(1).signal("TERM");
        assertTrue(Lab.eventually(Duration.ofSeconds(2), () -> lab.h(2).holds(VIP)),
                "the 255/255 advert makes the backup take over at once, not after 3 intervals");
        System.out.println("carp4j handover on SIGTERM: " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t) + " ms");
        assertTrue(lab.h(1).carpd().waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, lab.h(1).carpd().exitValue());
        assertFalse(lab.h(1).holds(VIP));
        assertFalse(lab.h(1).exec("ip", "-o", "link").contains("carp0"), "its interfaces are gone");
        assertTrue(Files.readString(lab.h(1).stateDir.resolve("carpd.json")).contains("\"carp0\""), "state kept");
    }

    @Test
    void aCorruptStateFileIsReportedByNameAndKept() throws Exception {
        lab = Lab.create(1, false);
        var h = lab.h(1);
        Files.createDirectories(h.stateDir);
        byte[] garbage = "{\"version\": 1, \"interfaces\": [ {\"name\": \"carp0\", \"vhid\": 300".getBytes();
        Files.write(h.stateDir.resolve("carpd.json"), garbage);
        Process p = h.startCarpd();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(78, p.exitValue());
        String log = h.log();
        assertTrue(log.contains(h.stateDir.resolve("carpd.json") + ": not valid JSON"), log);
        assertTrue(log.contains("the file was left as it is"), log);
        assertArrayEquals(garbage, Files.readAllBytes(h.stateDir.resolve("carpd.json")));

        byte[] outOfRange = "{\"version\": 1, \"interfaces\": [ {\"name\": \"carp0\", \"vhid\": 300} ] }".getBytes();
        Files.write(h.stateDir.resolve("carpd.json"), outOfRange);
        p = h.startCarpd();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(78, p.exitValue());
        assertTrue(h.logged("interfaces[0].vhid: 300 out of range 0..255"), h.log());
        assertArrayEquals(outOfRange, Files.readAllBytes(h.stateDir.resolve("carpd.json")));
    }

    @Test
    void unauthenticatedOrMalformedControlRequestsAreRefusedAndChangeNothing() throws Exception {
        lab = Lab.create(1, false);
        var h = lab.h(1);
        h.startCarpd();
        assertEquals(0, h.carpconfig("carp0", "create").exit());
        byte[] before = Files.readAllBytes(h.stateDir.resolve("carpd.json"));
        String port = Files.readString(h.stateDir.resolve("control")).split(" ")[0];
        String[] hostile = {
            "{\"v\":1,\"token\":\"0000\",\"op\":\"carpconfig\",\"args\":[\"carp0\",\"destroy\"]}",
            "{\"v\":1,\"op\":\"carpconfig\",\"args\":[\"carp0\",\"destroy\"]}",
            "this is not json",
            "{\"v\":99,\"token\":\"x\",\"op\":\"carpconfig\",\"args\":[]}",
            "{\"v\":1,\"token\":\"" + "0".repeat(70_000) + "\",\"op\":\"carpconfig\",\"args\":[]}",
        };
        for (String req : hostile) {
            String answer = h.exec("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port
                    + "; printf '%s\\n' \"$1\" >&3; timeout 5 head -n1 <&3", "x", req);
            assertTrue(answer.contains("\"exit\":2") || answer.contains("\"exit\":77"), req + " -> " + answer);
        }
        // a client that never finishes its line is cut off, and the daemon keeps serving
        h.exec("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port + "; printf '{\"v\":1' >&3; sleep 3");
        assertArrayEquals(before, Files.readAllBytes(h.stateDir.resolve("carpd.json")));
        assertEquals(0, h.carpconfig("carp0").exit(), "root's commands still work");

        // only root can read the credential
        Lab.Result nobody = Lab.Result.of(java.util.List.of("ip", "netns", "exec", h.ns, "setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups", "env", "CARPD_STATE_DIR=" + h.stateDir,
                Lab.ROOT.resolve("bin/carpconfig").toString(), "carp0", "destroy"));
        assertEquals(77, nobody.exit(), nobody.err());
        assertTrue(nobody.err().contains("permission denied"), nobody.err());
        assertArrayEquals(before, Files.readAllBytes(h.stateDir.resolve("carpd.json")));
    }
}
