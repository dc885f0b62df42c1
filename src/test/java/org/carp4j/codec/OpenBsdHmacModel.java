package org.carp4j.codec;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * OpenBSD's carp_hmac_prepare_ctx / carp_hmac_verify, written out step by step from ip_carp.c: the
 * key is sc_key (20 bytes, zero-padded) in a 64-byte pad, and the inner hash covers version, type,
 * vhid, every IPv4 address of the carp interface ascending, then every IPv6 address bytewise
 * ascending; context HMAC_NOV6LL skips scope-embedded (link-local) addresses, context HMAC_V6LL
 * keeps them with bytes 2..3 zeroed. It sends HMAC_NOV6LL and accepts either.
 */
public final class OpenBsdHmacModel {
    private final byte[] key;
    private final int vhid;
    /** sc_if.if_addrlist: the configured addresses plus the automatic link-local of the carp interface. */
    private final List<InetAddress> ifAddresses;

    public OpenBsdHmacModel(String password, int vhid, List<InetAddress> configured, InetAddress automaticLinkLocal) {
        this.key = Arrays.copyOf(password.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 20);
        this.vhid = vhid;
        this.ifAddresses = new ArrayList<>(configured);
        if (automaticLinkLocal != null) {
            this.ifAddresses.add(automaticLinkLocal);
        }
    }

    /** The link-local an OpenBSD carp interface gives itself: EUI-64 of 00:00:5e:00:01:vhid. */
    public static InetAddress automaticLinkLocal(int vhid) {
        try {
            return InetAddress.getByName(String.format("fe80::200:5eff:fe00:1%02x", vhid));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    public byte[] digest(boolean withLinkLocal, byte[] counter) {
        byte[] pad = new byte[64];
        System.arraycopy(key, 0, pad, 0, key.length);
        for (int i = 0; i < pad.length; i++) {
            pad[i] ^= 0x36;
        }
        ByteArrayOutputStream inner = new ByteArrayOutputStream();
        inner.writeBytes(pad);
        inner.write(2);
        inner.write(1);
        inner.write(vhid);
        ifAddresses.stream().filter(a -> a instanceof Inet4Address).map(InetAddress::getAddress)
                .sorted(Arrays::compareUnsigned).forEach(inner::writeBytes);
        List<byte[]> v6 = new ArrayList<>();
        for (InetAddress a : ifAddresses) {
            if (!(a instanceof Inet6Address)) {
                continue;
            }
            byte[] b = a.getAddress();
            if (scopeEmbedded(b)) {
                if (!withLinkLocal) {
                    continue;
                }
                b[2] = 0;
                b[3] = 0;
            }
            v6.add(b);
        }
        v6.stream().sorted(Arrays::compareUnsigned).forEach(inner::writeBytes);
        inner.writeBytes(counter);
        byte[] md = sha1(inner.toByteArray());
        for (int i = 0; i < pad.length; i++) {
            pad[i] ^= 0x36 ^ 0x5c;
        }
        ByteArrayOutputStream outer = new ByteArrayOutputStream();
        outer.writeBytes(pad);
        outer.writeBytes(md);
        return sha1(outer.toByteArray());
    }

    /** carp_hmac_verify: either context. */
    public boolean accepts(byte[] counter, byte[] digest) {
        return Arrays.equals(digest(false, counter), digest) || Arrays.equals(digest(true, counter), digest);
    }

    /** What OpenBSD sends. */
    public byte[] sends(byte[] counter) {
        return digest(false, counter);
    }

    /** IN6_IS_SCOPE_EMBED: link-local unicast, link-local or interface-local multicast. */
    private static boolean scopeEmbedded(byte[] a) {
        boolean linkLocal = (a[0] & 0xff) == 0xfe && (a[1] & 0xc0) == 0x80;
        boolean mcastScoped = (a[0] & 0xff) == 0xff && ((a[1] & 0x0f) == 0x02 || (a[1] & 0x0f) == 0x01);
        return linkLocal || mcastScoped;
    }

    private static byte[] sha1(byte[] m) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(m);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
