package org.carp4j.codec;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA1 (RFC 2104) on one reused SHA-1 digest, writing into a caller's buffer: checking an
 * advert allocates nothing (javax.crypto.Mac returns a fresh array from every doFinal). Not
 * thread-safe.
 */
final class HmacSha1 {
    static final int LENGTH = 20;
    private static final int BLOCK = 64;

    private final MessageDigest sha1;
    private final byte[] ipad = new byte[BLOCK];
    private final byte[] opad = new byte[BLOCK];
    private final byte[] inner = new byte[LENGTH];

    HmacSha1(byte[] key) {
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
        }
        byte[] k = key.length > BLOCK ? sha1.digest(key) : key;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i < k.length ? k[i] : 0;
            ipad[i] = (byte) (b ^ 0x36);
            opad[i] = (byte) (b ^ 0x5c);
        }
    }

    /** Starts a message. */
    void begin() {
        sha1.reset();
        sha1.update(ipad);
    }

    void update(byte[] b, int off, int len) {
        sha1.update(b, off, len);
    }

    void update(byte b) {
        sha1.update(b);
    }

    /** Ends the message: the 20-byte HMAC goes to out[off..off+20). */
    void finish(byte[] out, int off) {
        try {
            sha1.digest(inner, 0, LENGTH);
            sha1.update(opad);
            sha1.update(inner);
            sha1.digest(out, off, LENGTH);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("a 20-byte buffer holds a SHA-1 digest", e);
        }
    }
}
