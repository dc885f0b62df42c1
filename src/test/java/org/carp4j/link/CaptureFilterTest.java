package org.carp4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.codec.Announcements;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.CarpHmac;
import org.carp4j.codec.FrameCodec;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.VipAddress;
import org.junit.jupiter.api.Test;

/** The kernel filter: compiled by libpcap and run on real frames, as the kernel would run it. */
class CaptureFilterTest {

    @Test
    void vhidsAreWrittenAsRanges() {
        assertEquals("arp or (ip proto 112 and carp[1] = 5) or (ip6[6] = 112 and ip6[41] = 5)",
                CaptureFilter.expression(Set.of(5)));
        assertEquals("arp or (ip proto 112 and ((carp[1] >= 1 and carp[1] <= 3) or carp[1] = 7))"
                        + " or (ip6[6] = 112 and ((ip6[41] >= 1 and ip6[41] <= 3) or ip6[41] = 7))",
                CaptureFilter.expression(List.of(7, 3, 1, 2)));
        assertEquals("arp or (ip proto 112 and carp[1] != 0) or (ip6[6] = 112 and ip6[41] != 0)",
                CaptureFilter.expression(IntStream.rangeClosed(1, 255).boxed().toList()));
    }

    @Test
    void withoutVhidsOnlyArpPasses() throws Exception {
        Bpf f = Bpf.compile(CaptureFilter.expression(Set.of()));
        assertTrue(f.accepts(arpRequest()));
        assertFalse(f.accepts(advert4(1)));
    }

    @Test
    void aVhidOutsideOneToTwoHundredFiftyFiveIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CaptureFilter.expression(Set.of(0)));
        assertThrows(IllegalArgumentException.class, () -> CaptureFilter.expression(Set.of(256)));
    }

    @Test
    void onlyConfiguredVhidsAndArpPass() throws Exception {
        Bpf f = Bpf.compile(CaptureFilter.expression(Set.of(1, 2, 3, 7)));
        assertTrue(f.accepts(advert4(2)), "IPv4 advert for a configured vhid");
        assertTrue(f.accepts(advert4(7)));
        assertTrue(f.accepts(withIpOptions(advert4(7))), "the vhid is found behind IPv4 options");
        assertTrue(f.accepts(advert6(3)), "IPv6 advert for a configured vhid");
        assertTrue(f.accepts(arpRequest()), "ARP: arpbalance and the carppeer's MAC need it");

        assertFalse(f.accepts(advert4(5)), "IPv4 advert for another vhid");
        assertFalse(f.accepts(withIpOptions(advert4(5))));
        assertFalse(f.accepts(advert6(200)), "IPv6 advert for another vhid");
        assertFalse(f.accepts(otherProtocol(advert4(2), 17)), "UDP, even with the vhid byte in place");
        assertFalse(f.accepts(otherEtherType(advert4(2))), "not IP, not ARP");
    }

    @Test
    void everyVhidSetCompilesWithinTheKernelsLimit() throws Exception {
        // the worst case: every other vhid, 128 separate ranges per family
        Set<Integer> odd = IntStream.rangeClosed(1, 255).filter(v -> v % 2 == 1).boxed().collect(Collectors.toSet());
        Bpf f = Bpf.compile(CaptureFilter.expression(odd));
        assertTrue(f.instructions() < 4096, f.instructions() + " instructions");
        assertTrue(f.accepts(advert4(255)));
        assertFalse(f.accepts(advert4(254)));
        assertTrue(f.accepts(advert6(1)));
        assertFalse(f.accepts(advert6(2)));
    }

    static byte[] advert4(int vhid) {
        return advert(vhid, "172.16.0.33", "224.0.0.18", MacAddress.CARP_GROUP_V4);
    }

    static byte[] advert6(int vhid) {
        return advert(vhid, "fe80::1", "ff02::12", MacAddress.CARP_GROUP_V6);
    }

    private static byte[] advert(int vhid, String src, String dst, MacAddress group) {
        long counter = 42;
        byte[] hmac = CarpHmac.compute("pw".getBytes(), vhid, List.of(VipAddress.Inet.parseLiteral("172.16.0.100")),
                ByteBuffer.allocate(8).putLong(counter).array());
        return FrameCodec.encode(new AdvertFrame(group, MacAddress.virtual(vhid), VipAddress.Inet.parseLiteral(src),
                VipAddress.Inet.parseLiteral(dst), 255, 0x10, 1, CarpHeader.advertisement(vhid, 1, 0, 0, counter, hmac)));
    }

    /** The same IPv4 packet with a 4-byte options field (four NOPs): the CARP header moves by 4. */
    private static byte[] withIpOptions(byte[] f) {
        byte[] out = new byte[f.length + 4];
        System.arraycopy(f, 0, out, 0, 34);
        out[34] = out[35] = out[36] = out[37] = 1;
        System.arraycopy(f, 34, out, 38, f.length - 34);
        out[14] = 0x46;
        int total = ((out[16] & 0xff) << 8 | (out[17] & 0xff)) + 4;
        out[16] = (byte) (total >> 8);
        out[17] = (byte) total;
        return out;
    }

    private static byte[] otherProtocol(byte[] f, int protocol) {
        byte[] out = f.clone();
        out[23] = (byte) protocol;
        return out;
    }

    private static byte[] otherEtherType(byte[] f) {
        byte[] out = f.clone();
        out[12] = (byte) 0x88;
        out[13] = (byte) 0xb5; // local experimental
        return out;
    }

    private static byte[] arpRequest() {
        return Announcements.arpRequest(MacAddress.virtual(1), (Inet4Address) VipAddress.Inet.parseLiteral("172.16.0.1"),
                (Inet4Address) VipAddress.Inet.parseLiteral("172.16.0.2"));
    }
}
