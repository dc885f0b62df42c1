package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.FrameCodec;
import org.carp4j.config.VipAddress;
import org.carp4j.fuzz.Hostile;
import org.carp4j.testing.Pcap;
import org.junit.jupiter.api.Test;

/**
 * net.inet.carp.strictauth=1 on a real segment: two carpd elect as usual, and an attacker (h3) who
 * captured the master's adverts and rewrites advskew to 0 cannot make the master step down; with
 * strictauth=0 the same forgery does, as on the BSDs and ucarp.
 */
class StrictAuthIT extends LabTest {
    static final String VIP = "172.16.0.100";

    private static long count(String log, String what) {
        return log.lines().filter(l -> l.contains(what)).count();
    }

    private void strictauth(int value) throws Exception {
        for (int i = 1; i <= 2; i++) {
            assertEquals(0, lab.h(i).carpsysctl("-w", "net.inet.carp.strictauth=" + value).exit());
        }
    }

    /** h1's adverts captured for a while, rewritten to advskew 0 from h3's address, written to a file. */
    private Path forgeryOfH1(String name) throws Exception {
        Path captured = lab.dir().resolve(name + "-captured.pcap");
        Process tcpdump = lab.capture(captured, "h1-em0", "ip proto 112");
        Thread.sleep(3500);
        tcpdump.destroy();
        tcpdump.waitFor();
        List<byte[]> frames = Pcap.read(Files.newInputStream(captured));
        assertTrue(frames.size() >= 2, "h1's adverts were captured");
        List<byte[]> forged = new ArrayList<>();
        for (byte[] f : frames.subList(0, frames.size() - 1)) { // not the latest: its counter is h1's own
            AdvertFrame a = FrameCodec.decode(f);
            CarpHeader h = a.carp();
            CarpHeader rewritten = CarpHeader.advertisement(h.vhid(), h.advbase(), 0, h.demote(), h.counter(), h.hmac());
            forged.add(FrameCodec.encode(new AdvertFrame(a.dstMac(), a.srcMac(),
                    VipAddress.Inet.parseLiteral(lab.h(3).address()), a.dst(), a.ttl(), a.tos(), a.ipId(), rewritten)));
        }
        Path out = lab.dir().resolve(name + "-forged.pcap");
        Pcap.write(out, forged);
        return out;
    }

    private Lab.Result sendFromH3(Path pcap) throws Exception {
        return Lab.Result.of(List.of("ip", "netns", "exec", lab.h(3).ns, "timeout", "60", "java", "-cp",
                System.getProperty("java.class.path"), Hostile.class.getName(), "replay", "em0", pcap.toString()));
    }

    @Test
    void twoStrictCarpdElectAndAForgedAdvskewZeroDoesNotTakeOver() throws Exception {
        lab = Lab.create(3, false);
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
        }
        strictauth(1);
        for (int i = 1; i <= 2; i++) {
            assertEquals(0, lab.h(i).carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0",
                    "advskew", i == 1 ? "50" : "100", VIP + "/24").exit());
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP)));
        Thread.sleep(4000);
        assertTrue(lab.h(1).holds(VIP) && !lab.h(2).holds(VIP), "h2 hears h1's strict adverts:\n" + lab.h(2).log());
        assertEquals("0", lab.h(2).carpsysctl("-n", "net.inet.carp.stats.badauth").out().trim());
        assertTrue(lab.h(2).carpsysctl("-n", "net.inet.carp.strictauth").out().trim().equals("1"));

        Lab.Result r = sendFromH3(forgeryOfH1("strict"));
        assertEquals(0, r.exit(), r.out() + r.err());
        Thread.sleep(1500);
        assertEquals(0, count(lab.h(1).log(), "MASTER -> BACKUP"), lab.h(1).log());
        assertTrue(lab.h(1).holds(VIP) && !lab.h(2).holds(VIP));
        assertFalse(lab.h(1).carpsysctl("-n", "net.inet.carp.stats.badauth").out().trim().equals("0"),
                "the forgeries were dropped as bad authentication");

        strictauth(0); // both sides: the group hears itself again in the BSD form
        Thread.sleep(3000);
        assertTrue(lab.h(1).holds(VIP) && !lab.h(2).holds(VIP));
        r = sendFromH3(forgeryOfH1("bsd"));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(Lab.eventually(Duration.ofSeconds(3),
                () -> count(lab.h(1).log(), "MASTER -> BACKUP (more frequent advertisement received)") > 0),
                "without strictauth the rewritten advskew wins, as on the BSDs:\n" + lab.h(1).log());
    }
}
