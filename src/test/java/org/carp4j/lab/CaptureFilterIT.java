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
 * The kernel filter on a real segment: an attacker (h3) sends adverts for a vhid carpd does not
 * run, over IPv4 and IPv6, and UDP frames that carry our vhid in the CARP header's place. None of
 * them reaches carpd (its capture counter and its drop counters say so); forged adverts for our
 * own vhid still do, and are dropped as bad authentication. A vhid configured later gets in at once.
 */
class CaptureFilterIT extends LabTest {
    static final String VIP = "172.16.0.100";
    static final int PORT = 9112;

    private static byte[] advert(int vhid, String src, String dst, MacAddress group) {
        byte[] hmac = CarpHmac.compute("attacker".getBytes(), vhid, List.of(VipAddress.Inet.parseLiteral(VIP)),
                ByteBuffer.allocate(8).putLong(42).array());
        return FrameCodec.encode(new AdvertFrame(group, MacAddress.virtual(vhid), VipAddress.Inet.parseLiteral(src),
                VipAddress.Inet.parseLiteral(dst), 255, 0x10, 1, CarpHeader.advertisement(vhid, 1, 0, 0, 42, hmac)));
    }

    private static long metric(Lab.Host h, String series) throws Exception {
        for (String l : h.scrape(PORT).split("\n")) {
            if (l.startsWith(series + " ")) {
                return Long.parseLong(l.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + series + " in carpd's metrics");
    }

    @Test
    void framesForOtherVhidsAndOtherProtocolsNeverReachCarpd() throws Exception {
        lab = Lab.create(3, false);
        Lab.Host h = lab.h(1);
        h.startCarpd("--metrics-port", Integer.toString(PORT));
        assertEquals(0, h.carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0", VIP + "/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> h.holds(VIP)), h.log());
        String delivered = "carpd_capture_frames_total{carpdev=\"em0\",outcome=\"delivered\"}";
        long before = metric(h, delivered);

        List<byte[]> flood = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            flood.add(advert(9, "172.16.0.33", "224.0.0.18", MacAddress.CARP_GROUP_V4)); // another vhid
            flood.add(advert(200, "fe80::33", "ff02::12", MacAddress.CARP_GROUP_V6)); // another vhid, IPv6
            byte[] udp = advert(1, "172.16.0.33", "224.0.0.18", MacAddress.CARP_GROUP_V4);
            udp[23] = 17; // UDP: our vhid's byte where CARP would have it, but not CARP
            flood.add(udp);
        }
        for (int i = 0; i < 5; i++) {
            flood.add(advert(1, "172.16.0.33", "224.0.0.18", MacAddress.CARP_GROUP_V4)); // ours, wrong password
        }
        Path pcap = lab.dir().resolve("other.pcap");
        Pcap.write(pcap, flood);
        Lab.Result r = Lab.Result.of(List.of("ip", "netns", "exec", lab.h(3).ns, "java", "-cp",
                System.getProperty("java.class.path"), Hostile.class.getName(), "replay", "em0", pcap.toString()));
        assertEquals(0, r.exit(), r.out() + r.err());

        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> metric(h, "carp_drops_total{reason=\"badauth\"}") == 5),
                "the forgeries for our vhid were let through and dropped as bad authentication:\n" + h.scrape(PORT));
        long reached = metric(h, delivered) - before;
        assertTrue(reached >= 5 && reached < 50, reached + " frames reached carpd, of the 905 sent");
        assertEquals(0, metric(h, "carp_drops_total{reason=\"unknownvhid\"}"), "no advert for another vhid got in");
        assertEquals(0, metric(h, "carp_drops_total{reason=\"malformed\"}"), "no UDP frame got in");
        assertTrue(h.holds(VIP));

        // a new carp interface for vhid 9: the filter follows at once, and vhid 9 gets in
        assertEquals(0, h.carpconfig("carp1", "create", "vhid", "9", "pass", "pw", "carpdev", "em0",
                "172.16.0.109/24").exit());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> !h.carpconfig("carp1").out().contains("carp: INIT")));
        List<byte[]> nine = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            nine.add(advert(9, "172.16.0.33", "224.0.0.18", MacAddress.CARP_GROUP_V4));
        }
        Path pcap9 = lab.dir().resolve("nine.pcap");
        Pcap.write(pcap9, nine);
        Lab.Result r9 = Lab.Result.of(List.of("ip", "netns", "exec", lab.h(3).ns, "java", "-cp",
                System.getProperty("java.class.path"), Hostile.class.getName(), "replay", "em0", pcap9.toString()));
        assertEquals(0, r9.exit(), r9.out() + r9.err());
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> metric(h, "carp_drops_total{reason=\"badauth\"}") == 10),
                "vhid 9's forgeries now reach carpd:\n" + h.scrape(PORT));
        assertEquals(0, metric(h, "carp_drops_total{reason=\"unknownvhid\"}"));
    }
}
