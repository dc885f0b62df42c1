package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.CarpHmac;
import org.carp4j.codec.FrameCodec;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.VipAddress;
import org.carp4j.fuzz.Hostile;
import org.carp4j.testing.Pcap;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 10 on a real segment: an attacker (h3) who captured one advert rewrites the fields
 * the HMAC does not cover and floods 300 of them, alternating "a faster master" and "a demoted
 * master". Each used to cost the backup a state change, an `ip` fork and a hook; now the flapping
 * backup is held after a few and the flood changes nothing but counters.
 */
class ForgedFloodIT extends LabTest {
    static final String VIP = "172.16.0.100";

    /** The captured advert (counter 42) with advskew 0 and the demote byte rewritten. */
    private static byte[] forged(int demote) {
        byte[] hmac = CarpHmac.compute("pw".getBytes(), 1, List.of(VipAddress.Inet.parseLiteral(VIP)),
                ByteBuffer.allocate(8).putLong(42).array());
        return FrameCodec.encode(new AdvertFrame(MacAddress.CARP_GROUP_V4, MacAddress.virtual(1),
                VipAddress.Inet.parseLiteral("172.16.0.9"), VipAddress.Inet.parseLiteral("224.0.0.18"), 255, 0x10, 1,
                CarpHeader.advertisement(1, 1, 0, demote, 42, hmac)));
    }

    private static long transitions(String log) {
        return log.lines().filter(l -> l.contains("carp0: BACKUP -> MASTER") || l.contains("carp0: MASTER -> BACKUP"))
                .count();
    }

    @Test
    void threeHundredForgedAdvertsCostAFewStateChangesAtMost() throws Exception {
        lab = Lab.create(3, false);
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            assertEquals(0, lab.h(i).carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100", VIP + "/24").exit());
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP)));
        Thread.sleep(2000);
        long before = transitions(lab.h(2).log());

        List<byte[]> burst = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            burst.add(forged(i % 2 == 0 ? 0 : 255)); // faster master / demoted master, in turn
        }
        Path pcap = lab.dir().resolve("forged.pcap");
        Pcap.write(pcap, burst);
        for (int round = 0; round < 3; round++) {
            Lab.Result r = Lab.Result.of(List.of("ip", "netns", "exec", lab.h(3).ns, "java", "-cp",
                    System.getProperty("java.class.path"), Hostile.class.getName(), "replay", "em0", pcap.toString()));
            assertEquals(0, r.exit(), r.out() + r.err());
            Thread.sleep(1000);
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP) && !lab.h(2).holds(VIP)),
                lab.h(2).log());
        Thread.sleep(3000);
        String log = lab.h(2).log();
        long changes = transitions(log) - before;
        System.out.println("300 forged adverts: the backup changed state " + changes + " times");
        assertTrue(changes <= 8, changes + " state changes:\n" + log);
        assertTrue(log.contains("flapping"), log);
        assertTrue(lab.h(1).holds(VIP) && !lab.h(2).holds(VIP));
    }
}
