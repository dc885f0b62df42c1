package org.carp4j.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.carp4j.config.VipAddress;
import org.carp4j.testing.Hex;
import org.carp4j.testing.Pcap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FrameCodecTest {

    private static InetAddress ip(String s) {
        return VipAddress.Inet.parseLiteral(s);
    }

    /** PROTOCOL.md §1.6: vector A as a whole frame from the BSD virtual MAC, IP ID 0x1234. */
    @Test
    void encodesTheSpecExampleFrameByteForByte() {
        byte[] hmac = CarpHmac.compute("love".getBytes(StandardCharsets.US_ASCII), 42, List.of(ip("10.1.1.252")),
                Hex.bytes("0123456789abcdef"));
        CarpHeader h = CarpHeader.advertisement(42, 1, 0, 0, 0x0123456789abcdefL, hmac);
        assertEquals(0x0ca6, h.checksum());
        AdvertFrame f = new AdvertFrame(MacAddress.CARP_GROUP_V4, MacAddress.virtual(42), ip("10.1.1.1"),
                ip("224.0.0.18"), 255, 0x10, 0x1234, h);
        assertEquals("""
                01005e000012 00005e00012a 0800 4510
                0038 1234 4000 ff70 7dfd 0a010101 e0000012
                21 2a 00 07 00 01 0ca6 0123456789abcdef
                055c5da8911cf2a311659afb98e4e262b116747e""".replaceAll("\\s+", ""),
                Hex.of(FrameCodec.encode(f)));
    }

    /** Every captured ucarp advert decodes and verifies with the parameters its README gives. */
    @ParameterizedTest
    @CsvSource({
        "ucarp-vhid1-lanpasswd-advskew0.pcap,           lanpasswd,  172.16.0.100, 1, 1,   0,   5",
        "ucarp-vhid2-wanpasswd-advbase2-advskew100.pcap, wanpasswd,  192.0.2.100,  2, 2,   100, 4",
        "ucarp-vhid3-advbase255-advskew255.pcap,         shutdownpw, 172.16.0.103, 3, 255, 255, 1",
        "ucarp-vhid1-lanpasswd-failover.pcap,            lanpasswd,  172.16.0.100, 1, 1,   0,   9",
    })
    void realUcarpCapturesDecodeAndAuthenticate(String file, String pass, String vip, int vhid, int advbase,
                                                 int advskew, int adverts) throws Exception {
        int n = 0;
        for (byte[] frame : Pcap.resource(file)) {
            if (FrameCodec.u16(frame, 12) != FrameCodec.ETHERTYPE_IPV4) {
                continue; // the failover capture also holds ARP
            }
            AdvertFrame f = FrameCodec.decode(frame);
            CarpHeader h = f.carp();
            assertEquals(255, f.ttl());
            assertEquals(0x10, f.tos());
            assertEquals(ip("224.0.0.18"), f.dst());
            assertEquals(MacAddress.parse("00:00:5e:00:00:0" + vhid), f.srcMac(), "ucarp's own virtual MAC");
            assertEquals(2, h.version());
            assertEquals(1, h.type());
            assertEquals(vhid, h.vhid());
            assertEquals(advbase, h.advbase());
            assertEquals(advskew, h.advskew());
            assertEquals(7, h.authlen());
            assertEquals(0, h.demote());
            assertTrue(h.checksumValid(), "checksum of frame " + n);
            assertTrue(CarpHmac.verify(pass.getBytes(StandardCharsets.US_ASCII), vhid, List.of(ip(vip)),
                    h.counterBytes(), h.hmac()), "HMAC of frame " + n);
            assertEquals(Hex.of(frame), Hex.of(FrameCodec.encode(f)), "re-encoding gives the same bytes");
            n++;
        }
        assertEquals(adverts, n);
    }

    @Test
    void firstUcarpPacketHasTheFieldsTheReadmeLists() throws Exception {
        CarpHeader h = FrameCodec.decode(Pcap.resource("ucarp-vhid1-lanpasswd-advskew0.pcap").get(0)).carp();
        assertEquals(0x36e63895dad6d59dL, h.counter());
        assertEquals(0xf574, h.checksum());
        assertEquals("da7defca0fb1b9e36f981758b6f2b23f9167b429", Hex.of(h.hmac()));
    }

    @Test
    void ucarpFailoverShowsTheCounterContinuingThePeers() throws Exception {
        List<Long> counters = new java.util.ArrayList<>();
        for (byte[] frame : Pcap.resource("ucarp-vhid1-lanpasswd-failover.pcap")) {
            if (FrameCodec.u16(frame, 12) == FrameCodec.ETHERTYPE_IPV4) {
                counters.add(FrameCodec.decode(frame).carp().counter());
            }
        }
        long consecutive = java.util.stream.IntStream.range(1, counters.size())
                .filter(i -> counters.get(i) == counters.get(i - 1) + 1).count();
        assertTrue(consecutive >= 2, "h2 continues h1's counter +1: " + counters);
    }

    @Test
    void ipv6AdvertRoundTrips() throws Exception {
        CarpHeader h = CarpHeader.advertisement(9, 2, 30, 1, 42, new byte[20]);
        AdvertFrame f = new AdvertFrame(MacAddress.CARP_GROUP_V6, MacAddress.virtual(9), ip("fe80::1"),
                ip("ff02::12"), 255, 0, 0, h);
        byte[] bytes = FrameCodec.encode(f);
        assertEquals(14 + 40 + 36, bytes.length);
        assertEquals(f, FrameCodec.decode(bytes));
    }

    /** decode(encode(x)) == x over random valid headers, both address families. */
    @Test
    void roundTripOverRandomValidAdverts() throws Exception {
        Random r = new Random(112);
        for (int i = 0; i < 20_000; i++) {
            byte[] hmac = new byte[20];
            r.nextBytes(hmac);
            CarpHeader h = CarpHeader.advertisement(1 + r.nextInt(255), r.nextInt(256), r.nextInt(256),
                    r.nextInt(256), r.nextLong(), hmac);
            boolean v4 = r.nextBoolean();
            byte[] s = new byte[v4 ? 4 : 16];
            byte[] d = new byte[v4 ? 4 : 16];
            r.nextBytes(s);
            r.nextBytes(d);
            AdvertFrame f = new AdvertFrame(new MacAddress(r.nextLong() >>> 16), new MacAddress(r.nextLong() >>> 16),
                    VipAddress.Inet.byBytes(s), VipAddress.Inet.byBytes(d), r.nextInt(256), r.nextInt(256),
                    v4 ? r.nextInt(0x10000) : 0, h);
            AdvertFrame back = FrameCodec.decode(FrameCodec.encode(f));
            assertEquals(f, back);
            assertTrue(back.carp().checksumValid());
        }
    }

    /** Random and mutated bytes: the decoder only ever says DecodeException (the engine: DroppedFrameTest). */
    @Test
    void garbageNeverThrowsAnythingButDecodeException() throws Exception {
        Random r = new Random(2024);
        List<byte[]> seeds = new java.util.ArrayList<>(Pcap.resource("ucarp-vhid1-lanpasswd-advskew0.pcap"));
        for (String forged : List.of("badttl", "truncated", "short-ip", "vrrp", "badversion")) {
            seeds.addAll(Pcap.resource("forged/forged-" + forged + ".pcap"));
        }
        int decoded = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] frame;
            if (i % 4 == 0) {
                frame = new byte[r.nextInt(120)];
                r.nextBytes(frame);
            } else {
                byte[] seed = seeds.get(r.nextInt(seeds.size()));
                frame = java.util.Arrays.copyOf(seed, Math.max(0, seed.length + r.nextInt(9) - 6));
                for (int m = r.nextInt(4); m >= 0 && frame.length > 0; m--) {
                    frame[r.nextInt(frame.length)] ^= (byte) (1 << r.nextInt(8));
                }
            }
            try {
                FrameCodec.decode(frame);
                decoded++;
            } catch (DecodeException expected) {
                // the only acceptable failure
            }
        }
        assertTrue(decoded > 0);
    }

    @Test
    void decodeErrorsNameTheirReason() {
        Map<String, DropReason> cases = Map.of(
                "", DropReason.SHORT,
                "01005e000012 00005e000001 0806 0001", DropReason.MALFORMED,
                "01005e000012 00005e000001 0800 4510", DropReason.SHORT);
        cases.forEach((hex, reason) -> assertEquals(reason,
                assertThrows(DecodeException.class, () -> FrameCodec.decode(Hex.bytes(hex))).reason(), hex));
    }
}
