package org.carp4j.codec;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The advertisement HMAC in the BSD form (PROTOCOL.md §2.3): HMAC-SHA1 keyed with the password
 * bytes over version, type, vhid, the IPv4 addresses sorted ascending, the IPv6 addresses sorted
 * bytewise with their scope bytes zeroed, and the 8 counter bytes. With exactly one IPv4 address
 * this is byte-identical to ucarp's message.
 */
public final class CarpHmac {
    /** BSD keeps at most 19 bytes (20-byte buffer with a NUL); we reject longer passwords. */
    public static final int MAX_KEY_LENGTH = 19;

    private CarpHmac() {
    }

    /** Which address lists a receiver tries; OpenBSD sends without link-local, FreeBSD with. */
    public enum Variant { ALL_ADDRESSES, WITHOUT_LINK_LOCAL }

    public static byte[] compute(byte[] key, int vhid, Collection<? extends InetAddress> addresses,
                                 byte[] counter, Variant variant) {
        return new Keyed(key).compute(vhid, addresses, counter, variant);
    }

    public static byte[] compute(byte[] key, int vhid, Collection<? extends InetAddress> addresses,
                                 byte[] counter) {
        return compute(key, vhid, addresses, counter, Variant.ALL_ADDRESSES);
    }

    /** True if the digest matches either accepted variant; compared in constant time. */
    public static boolean verify(byte[] key, int vhid, Collection<? extends InetAddress> addresses,
                                 byte[] counter, byte[] digest) {
        return new Keyed(key).verify(vhid, addresses, counter, digest);
    }

    /** The exact bytes fed to the HMAC. */
    public static byte[] message(int vhid, Collection<? extends InetAddress> addresses, byte[] counter,
                                 Variant variant) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.write(CarpHeader.VERSION);
        m.write(CarpHeader.TYPE_ADVERTISEMENT);
        m.write(vhid);
        for (byte[] a : sorted(addresses, Inet4Address.class, variant)) {
            m.writeBytes(a);
        }
        for (byte[] a : sorted(addresses, Inet6Address.class, variant)) {
            m.writeBytes(a);
        }
        m.writeBytes(counter);
        return m.toByteArray();
    }

    private static List<byte[]> sorted(Collection<? extends InetAddress> addresses,
                                       Class<? extends InetAddress> family, Variant variant) {
        List<byte[]> out = new ArrayList<>();
        for (InetAddress a : addresses) {
            if (!family.isInstance(a)) {
                continue;
            }
            if (variant == Variant.WITHOUT_LINK_LOCAL && isLinkLocal6(a)) {
                continue;
            }
            byte[] bytes = a.getAddress();
            if (a instanceof Inet6Address && (a.isLinkLocalAddress() || a.isMulticastAddress())) {
                bytes[2] = 0; // KAME embeds the scope id here; the hash never includes it
                bytes[3] = 0;
            }
            out.add(bytes);
        }
        out.sort(Comparator.comparing((byte[] b) -> b, Arrays::compareUnsigned));
        return out;
    }

    private static boolean isLinkLocal6(InetAddress a) {
        return a instanceof Inet6Address && a.isLinkLocalAddress();
    }

    /**
     * One group's HMAC with its key set up once and the message up to the counter built once per
     * vhid and address list: the receive path checks every advert (a flood of forged ones
     * included), and 255 groups each sign one a second. Not thread-safe.
     */
    public static final class Keyed {
        private final HmacSha1 wire;
        private final byte[] digest = new byte[HmacSha1.LENGTH];
        /** The message before the counter, per variant, for the vhid and the (unmodifiable) address list last asked about. */
        private int prefixVhid = -1;
        private Collection<? extends InetAddress> prefixFor;
        private byte[] prefixAll;
        private byte[] prefixWithoutLinkLocal; // null: no link-local address, the variants are equal

        public Keyed(byte[] key) {
            // HMAC zero-pads short keys, so the 20 zero bytes BSD uses for "no password" equal an empty key
            wire = new HmacSha1(key.length == 0 ? new byte[20] : key);
        }

        public byte[] compute(int vhid, Collection<? extends InetAddress> addresses, byte[] counter, Variant variant) {
            return sign(vhid, addresses, counter, variant, null);
        }

        /** The HMAC over the cached message prefix, the counter and any trailing bytes (strict). */
        private byte[] sign(int vhid, Collection<? extends InetAddress> addresses, byte[] counter, Variant variant,
                            byte[] trailer) {
            prefixes(vhid, addresses);
            byte[] prefix = variant == Variant.WITHOUT_LINK_LOCAL && prefixWithoutLinkLocal != null
                    ? prefixWithoutLinkLocal : prefixAll;
            wire.begin();
            wire.update(prefix, 0, prefix.length);
            wire.update(counter, 0, counter.length);
            if (trailer != null) {
                wire.update(trailer, 0, trailer.length);
            }
            byte[] out = new byte[HmacSha1.LENGTH];
            wire.finish(out, 0);
            return out;
        }

        /**
         * net.inet.carp.strictauth: the BSD message followed by advbase, advskew and demote, one
         * byte each, so that none of them can be rewritten. The BSD message is 11 bytes plus a
         * multiple of 4; this one is 14 plus a multiple of 4, so the two never hash the same bytes.
         */
        public byte[] computeStrict(int vhid, Collection<? extends InetAddress> addresses, byte[] counter,
                                    Variant variant, int advbase, int advskew, int demote) {
            return sign(vhid, addresses, counter, variant, new byte[] {(byte) advbase, (byte) advskew, (byte) demote});
        }

        /** The strict variant the digest was made with, or null if neither; constant-time compare. */
        public Variant matchStrict(int vhid, Collection<? extends InetAddress> addresses, byte[] counter,
                                   int advbase, int advskew, int demote, byte[] digest) {
            if (MessageDigest.isEqual(computeStrict(vhid, addresses, counter, Variant.ALL_ADDRESSES,
                    advbase, advskew, demote), digest)) {
                return Variant.ALL_ADDRESSES;
            }
            return addresses.stream().anyMatch(CarpHmac::isLinkLocal6)
                    && MessageDigest.isEqual(computeStrict(vhid, addresses, counter, Variant.WITHOUT_LINK_LOCAL,
                    advbase, advskew, demote), digest) ? Variant.WITHOUT_LINK_LOCAL : null;
        }

        /**
         * {@link #match} on an advert as received: the counter and digest are read in place from
         * the CARP header at carpOffset, and nothing is allocated (a flood of forgeries ends here).
         */
        public Variant matchWire(int vhid, Collection<? extends InetAddress> addresses, byte[] frame, int carpOffset) {
            return matchWire(vhid, addresses, frame, carpOffset, false);
        }

        /** {@link #matchStrict} on an advert as received; advbase, advskew and demote are its own. */
        public Variant matchStrictWire(int vhid, Collection<? extends InetAddress> addresses, byte[] frame,
                                       int carpOffset) {
            return matchWire(vhid, addresses, frame, carpOffset, true);
        }

        private Variant matchWire(int vhid, Collection<? extends InetAddress> addresses, byte[] frame, int carp,
                                  boolean strict) {
            prefixes(vhid, addresses);
            if (digestMatches(prefixAll, frame, carp, strict)) {
                return Variant.ALL_ADDRESSES;
            }
            return prefixWithoutLinkLocal != null && digestMatches(prefixWithoutLinkLocal, frame, carp, strict)
                    ? Variant.WITHOUT_LINK_LOCAL : null;
        }

        /** Builds the message prefixes again only when asked about another vhid or address list. */
        private void prefixes(int vhid, Collection<? extends InetAddress> addresses) {
            if (vhid != prefixVhid || addresses != prefixFor) {
                prefixAll = prefix(vhid, addresses, Variant.ALL_ADDRESSES);
                prefixWithoutLinkLocal = addresses.stream().anyMatch(CarpHmac::isLinkLocal6)
                        ? prefix(vhid, addresses, Variant.WITHOUT_LINK_LOCAL) : null;
                prefixVhid = vhid;
                prefixFor = addresses;
            }
        }

        private static byte[] prefix(int vhid, Collection<? extends InetAddress> addresses, Variant variant) {
            byte[] m = message(vhid, addresses, new byte[8], variant);
            return Arrays.copyOf(m, m.length - 8);
        }

        /** Constant-time: every byte of the digest is compared whatever the first difference. */
        private boolean digestMatches(byte[] prefix, byte[] frame, int carp, boolean strict) {
            wire.begin();
            wire.update(prefix, 0, prefix.length);
            wire.update(frame, carp + 8, 8);
            if (strict) {
                wire.update(frame[carp + 5]); // advbase
                wire.update(frame[carp + 2]); // advskew
                wire.update(frame[carp + 4]); // demote
            }
            wire.finish(digest, 0);
            int diff = 0;
            for (int i = 0; i < HmacSha1.LENGTH; i++) {
                diff |= digest[i] ^ frame[carp + 16 + i];
            }
            return diff == 0;
        }

        /** True if the digest matches either accepted variant; compared in constant time. */
        public boolean verify(int vhid, Collection<? extends InetAddress> addresses, byte[] counter, byte[] digest) {
            return match(vhid, addresses, counter, digest) != null;
        }

        /** The variant the digest was made with, or null if neither; compared in constant time. */
        public Variant match(int vhid, Collection<? extends InetAddress> addresses, byte[] counter, byte[] digest) {
            if (MessageDigest.isEqual(compute(vhid, addresses, counter, Variant.ALL_ADDRESSES), digest)) {
                return Variant.ALL_ADDRESSES;
            }
            return addresses.stream().anyMatch(CarpHmac::isLinkLocal6)
                    && MessageDigest.isEqual(compute(vhid, addresses, counter, Variant.WITHOUT_LINK_LOCAL), digest)
                    ? Variant.WITHOUT_LINK_LOCAL : null;
        }
    }

    /** HMAC-SHA1 of any message (tests use it for the documented digests). */
    static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[20] : key, "HmacSHA1"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is part of every Java runtime", e);
        }
    }
}
