package org.carp4j.election;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Random;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.DecodeException;
import org.carp4j.codec.FrameCodec;
import org.carp4j.codec.MacAddress;
import org.carp4j.codec.OpenBsdHmacModel;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.junit.jupiter.api.Test;

/**
 * A group with an IPv6 link-local VIP next to OpenBSD and FreeBSD. OpenBSD hashes its carp
 * interface's own automatic link-local when it hashes link-locals at all, so it accepts only the
 * digest without link-local addresses (which is also what it sends); FreeBSD hashes every address
 * of the vhid, link-local included, and accepts only that. carp4j sends OpenBSD's form and, once it
 * has heard a peer that uses the other, answers in that one.
 */
class LinkLocalInteropTest {
    private static final long S = Interval.SECOND;
    private static final String PASS = "v6pass";
    private static final List<VipAddress> VIPS = List.of(VipAddress.parse("2001:db8::100/64"),
            VipAddress.parse("fe80::100/64"));
    private static final List<InetAddress> ADDRESSES = VIPS.stream().map(VipAddress::address).toList();

    private CarpEngine engine;

    private CarpEngine masterOfTheGroup() {
        engine = new CarpEngine(new Random(3));
        engine.carpdev(new Carpdev("em0", MacAddress.parse("02:00:00:00:00:01"),
                List.of(VipAddress.parse("fe80::1/64"), VipAddress.parse("2001:db8::1/64")), true), 0);
        engine.apply(List.of(new VhostConfig("carp0", 1, PASS, "em0", 1, 0, VIPS, true)), Sysctls.DEFAULTS, 0, 0);
        engine.forceState("carp0", CarpState.MASTER, 0);
        return engine;
    }

    private static CarpHeader lastAdvert(List<Action> actions) throws DecodeException {
        CarpHeader last = null;
        for (Action a : actions) {
            if (a instanceof Action.SendFrame f && f.kind() == Action.FrameKind.ADVERT) {
                last = FrameCodec.decode(f.frame()).carp();
            }
        }
        return last;
    }

    /** An advert from a peer at fe80::2, advskew 200 (it loses), its digest given. */
    private static byte[] peerAdvert(long counter, byte[] digest) {
        CarpHeader h = CarpHeader.advertisement(1, 1, 200, 0, counter, digest);
        return FrameCodec.encode(new AdvertFrame(MacAddress.CARP_GROUP_V6, MacAddress.virtual(1),
                VipAddress.Inet.parseLiteral("fe80::2"), VipAddress.Inet.parseLiteral("ff02::12"), 255, 0, 0, h));
    }

    private static byte[] bytes(long counter) {
        return java.nio.ByteBuffer.allocate(8).putLong(counter).array();
    }

    @Test
    void openBsdAcceptsOurAdvertsAndWeAcceptItsOwn() throws Exception {
        OpenBsdHmacModel openbsd = new OpenBsdHmacModel(PASS, 1, ADDRESSES, OpenBsdHmacModel.automaticLinkLocal(1));
        CarpHeader ours = lastAdvert(masterOfTheGroup().tick(S));
        assertTrue(openbsd.accepts(ours.counterBytes(), ours.hmac()), "OpenBSD's carp_hmac_verify takes our advert");

        long c = 0x0123456789abcdefL;
        engine.receive("em0", peerAdvert(c, openbsd.sends(bytes(c))), 2 * S);
        assertEquals(1, engine.stats().snapshot().get("accepted"));
        CarpHeader after = lastAdvert(engine.tick(3 * S));
        assertTrue(openbsd.accepts(after.counterBytes(), after.hmac()), "still OpenBSD's form after hearing it");
    }

    @Test
    void aFreeBsdPeerThatHashesTheLinkLocalIsAnsweredInItsForm() throws Exception {
        masterOfTheGroup().tick(S);
        long c = 42;
        byte[] freebsd = freeBsdDigest(bytes(c));
        engine.receive("em0", peerAdvert(c, freebsd), 2 * S);
        assertEquals(1, engine.stats().snapshot().get("accepted"));
        CarpHeader after = lastAdvert(engine.tick(3 * S));
        assertArrayEquals(freeBsdDigest(after.counterBytes()), after.hmac(), "FreeBSD's form, which FreeBSD accepts");
    }

    /**
     * What FreeBSD computes (PROTOCOL.md §2.3), built here by hand rather than by CarpHmac: 02 01 vhid,
     * the IPv6 addresses sorted with the link-local scope bytes zeroed, the counter; HMAC-SHA1 keyed by the password.
     */
    private static byte[] freeBsdDigest(byte[] counter) throws Exception {
        byte[] message = java.util.HexFormat.of().parseHex("020101"
                + "20010db8000000000000000000000100" + "fe800000000000000000000000000100");
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
        mac.init(new javax.crypto.spec.SecretKeySpec(PASS.getBytes(), "HmacSHA1"));
        mac.update(message);
        return mac.doFinal(counter);
    }
}
