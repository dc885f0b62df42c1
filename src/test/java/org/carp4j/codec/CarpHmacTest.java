package org.carp4j.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.carp4j.config.VipAddress;
import org.carp4j.testing.Hex;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md §2.6, byte for byte, and the worked example of the vectors README. */
class CarpHmacTest {
    private static final byte[] COUNTER = Hex.bytes("0123456789abcdef");

    private static InetAddress ip(String s) {
        return VipAddress.Inet.parseLiteral(s);
    }

    private static byte[] key(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void vectorA_oneAddressLove() {
        List<InetAddress> a = List.of(ip("10.1.1.252"));
        assertEquals("02012a0a0101fc0123456789abcdef",
                Hex.of(CarpHmac.message(42, a, COUNTER, CarpHmac.Variant.ALL_ADDRESSES)));
        assertEquals("055c5da8911cf2a311659afb98e4e262b116747e", Hex.of(CarpHmac.compute(key("love"), 42, a, COUNTER)));
    }

    @Test
    void vectorB_capturedFromRealUcarp() {
        byte[] counter = Hex.bytes("424420850717f67c");
        assertEquals("669c99ae0dded504eec352bfdf749cd60f595c71",
                Hex.of(CarpHmac.compute(key("love"), 42, List.of(ip("10.1.1.252")), counter)));
    }

    @Test
    void vectorC_noPasswordIsTheAllZeroKey() {
        List<InetAddress> a = List.of(ip("10.0.0.1"));
        assertEquals("4a489acf663b0b0d77088cdc78ba91e156219ce6", Hex.of(CarpHmac.compute(new byte[0], 1, a, COUNTER)));
        assertEquals("4a489acf663b0b0d77088cdc78ba91e156219ce6", Hex.of(CarpHmac.compute(new byte[20], 1, a, COUNTER)));
    }

    @Test
    void vectorD_twoAddressesAreSortedWhateverTheConfiguredOrder() {
        String d = "ffa6856763c23c0e6228d79de014c75acf76e121";
        assertEquals(d, Hex.of(CarpHmac.compute(key("secret"), 5, List.of(ip("10.0.0.1"), ip("10.0.0.2")), COUNTER)));
        assertEquals(d, Hex.of(CarpHmac.compute(key("secret"), 5, List.of(ip("10.0.0.2"), ip("10.0.0.1")), COUNTER)));
        assertEquals("0201050a0000010a0000020123456789abcdef", Hex.of(CarpHmac.message(5,
                List.of(ip("10.0.0.2"), ip("10.0.0.1")), COUNTER, CarpHmac.Variant.ALL_ADDRESSES)));
    }

    @Test
    void vectorE_freeBsd6ConfigurationOrderIsADifferentDigest() {
        // We send the sorted form; E documents what an old FreeBSD would send instead.
        String e = "6570de1daa730c340964e071f751ae013058bc6e";
        assertEquals(e, Hex.of(CarpHmac.hmac(key("secret"), Hex.bytes("0201050a0000020a0000010123456789abcdef"))));
        assertFalse(CarpHmac.verify(key("secret"), 5, List.of(ip("10.0.0.2"), ip("10.0.0.1")), COUNTER, Hex.bytes(e)));
    }

    @Test
    void vectorF_nineteenCharactersIsWhatBsdKeeps() {
        assertEquals("7878530016ba76c21a671cc0636a995958946864",
                Hex.of(CarpHmac.compute(key("abcdefghijklmnopqrs"), 1, List.of(ip("10.0.0.1")), COUNTER)));
    }

    @Test
    void vectorsReadmeWorkedExample() {
        byte[] counter = Hex.bytes("0102030405060708");
        List<InetAddress> a = List.of(ip("172.16.0.100"));
        assertEquals("020101ac1000640102030405060708",
                Hex.of(CarpHmac.message(1, a, counter, CarpHmac.Variant.ALL_ADDRESSES)));
        assertEquals("5589d1d79b5c6e24ecf5a15d1606996b41c494dd",
                Hex.of(CarpHmac.compute(key("lanpasswd"), 1, a, counter)));
    }

    @Test
    void ipv6AddressesFollowIPv4SortedAndLinkLocalScopeIsZeroed() {
        List<InetAddress> a = List.of(ip("2001:db8::2"), ip("10.0.0.1"), ip("fe80::1"), ip("2001:db8::1"));
        byte[] m = CarpHmac.message(7, a, COUNTER, CarpHmac.Variant.ALL_ADDRESSES);
        assertEquals("020107" + "0a000001" + "20010db8000000000000000000000001" + "20010db8000000000000000000000002"
                + "fe800000000000000000000000000001" + "0123456789abcdef", Hex.of(m));
        byte[] without = CarpHmac.message(7, a, COUNTER, CarpHmac.Variant.WITHOUT_LINK_LOCAL);
        assertEquals(3 + 4 + 32 + 8, without.length);
    }

    /**
     * Digests computed outside this code, with openssl over the §2.3 messages:
     * {@code echo 020109 20010db8000000000000000000000001 [fe800000000000000000000000000001] 0123456789abcdef
     * | xxd -r -p | openssl dgst -sha1 -hmac pw}.
     */
    private static final String PW9_WITHOUT_LINK_LOCAL = "85a5b71fa8f4ccde758a87306e259b7d401ca7b1";
    private static final String PW9_ALL_ADDRESSES = "f41443631f648757f817758c2475800c2ca6dbbc";

    @Test
    void receiverAcceptsTheOpenBsdVariantWithoutLinkLocal() {
        List<InetAddress> a = List.of(ip("2001:db8::1"), ip("fe80::1"));
        assertEquals(PW9_WITHOUT_LINK_LOCAL,
                Hex.of(CarpHmac.compute(key("pw"), 9, a, COUNTER, CarpHmac.Variant.WITHOUT_LINK_LOCAL)));
        assertEquals(PW9_ALL_ADDRESSES, Hex.of(CarpHmac.compute(key("pw"), 9, a, COUNTER)));
        assertTrue(CarpHmac.verify(key("pw"), 9, a, COUNTER, Hex.bytes(PW9_WITHOUT_LINK_LOCAL)), "what OpenBSD sends");
        assertTrue(CarpHmac.verify(key("pw"), 9, a, COUNTER, Hex.bytes(PW9_ALL_ADDRESSES)), "the other variant");
        assertFalse(CarpHmac.verify(key("px"), 9, a, COUNTER, Hex.bytes(PW9_WITHOUT_LINK_LOCAL)), "another password");
        assertFalse(CarpHmac.verify(key("pw"), 9, a, Hex.bytes("0123456789abcdee"), Hex.bytes(PW9_ALL_ADDRESSES)),
                "another counter");
    }

    @Test
    void theOpenBsdModelReproducesVectorA() {
        OpenBsdHmacModel openbsd = new OpenBsdHmacModel("love", 42, List.of(ip("10.1.1.252")), null);
        assertEquals("055c5da8911cf2a311659afb98e4e262b116747e", Hex.of(openbsd.sends(COUNTER)));
    }
}
