package org.carp4j.codec;

/** The Internet checksum (RFC 1071): one's-complement sum of 16-bit words, complemented. */
public final class Checksum {
    private Checksum() {
    }

    public static int of(byte[] data, int offset, int length) {
        return finish(sum(data, offset, length, 0));
    }

    /** Adds the bytes to a running 32-bit sum; odd trailing byte is padded with zero. */
    static long sum(byte[] data, int offset, int length, long acc) {
        int i = offset;
        int end = offset + length;
        for (; i + 1 < end; i += 2) {
            acc += ((data[i] & 0xff) << 8) | (data[i + 1] & 0xff);
        }
        if (i < end) {
            acc += (data[i] & 0xff) << 8;
        }
        return acc;
    }

    static int finish(long acc) {
        while ((acc >>> 16) != 0) {
            acc = (acc & 0xffff) + (acc >>> 16);
        }
        return (int) (~acc & 0xffff);
    }
}
