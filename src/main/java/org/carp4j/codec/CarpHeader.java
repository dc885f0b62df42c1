package org.carp4j.codec;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The 36-byte CARP advertisement header (PROTOCOL.md §1.1).
 *
 * @param version  high nibble of byte 0; we send 2
 * @param type     low nibble of byte 0; 1 = advertisement
 * @param vhid     virtual host id, 1..255
 * @param advskew  skew in 1/256 s; 255 only in the bow-out advert
 * @param authlen  (counter + HMAC) / 4 = 7
 * @param demote   OpenBSD's demotion byte (ucarp and FreeBSD send 0)
 * @param advbase  seconds
 * @param checksum Internet checksum over the 36 bytes with this field zero
 * @param counter  64-bit counter, most significant word first
 * @param hmac     20-byte HMAC-SHA1
 */
public record CarpHeader(int version, int type, int vhid, int advskew, int authlen, int demote,
                         int advbase, int checksum, long counter, byte[] hmac) {

    public static final int LENGTH = 36;
    public static final int VERSION = 2;
    public static final int TYPE_ADVERTISEMENT = 1;
    public static final int AUTHLEN = 7;
    public static final int HMAC_LENGTH = 20;

    public CarpHeader {
        requireByteRange("version", version, 15);
        requireByteRange("type", type, 15);
        requireByteRange("vhid", vhid, 255);
        requireByteRange("advskew", advskew, 255);
        requireByteRange("authlen", authlen, 255);
        requireByteRange("demote", demote, 255);
        requireByteRange("advbase", advbase, 255);
        requireByteRange("checksum", checksum, 0xffff);
        if (hmac == null || hmac.length != HMAC_LENGTH) {
            throw new IllegalArgumentException("hmac must be 20 bytes");
        }
        hmac = hmac.clone();
    }

    private static void requireByteRange(String name, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(name + " " + value + " out of range 0.." + max);
        }
    }

    /** An advertisement as we send it: version 2, type 1, authlen 7, checksum filled in. */
    public static CarpHeader advertisement(int vhid, int advbase, int advskew, int demote,
                                           long counter, byte[] hmac) {
        CarpHeader unsummed = new CarpHeader(VERSION, TYPE_ADVERTISEMENT, vhid, advskew, AUTHLEN,
                demote, advbase, 0, counter, hmac);
        return unsummed.withChecksum(unsummed.computeChecksum());
    }

    public CarpHeader withChecksum(int sum) {
        return new CarpHeader(version, type, vhid, advskew, authlen, demote, advbase, sum, counter, hmac);
    }

    /** The checksum these fields should carry. */
    public int computeChecksum() {
        byte[] bytes = withChecksum(0).encode();
        return Checksum.of(bytes, 0, LENGTH);
    }

    public boolean checksumValid() {
        return computeChecksum() == checksum;
    }

    /** The 8 counter bytes exactly as they are on the wire (the HMAC covers these). */
    public byte[] counterBytes() {
        return ByteBuffer.allocate(8).putLong(counter).array();
    }

    @Override
    public byte[] hmac() {
        return hmac.clone();
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.put((byte) ((version << 4) | type));
        b.put((byte) vhid).put((byte) advskew).put((byte) authlen).put((byte) demote).put((byte) advbase);
        b.putShort((short) checksum);
        b.putLong(counter);
        b.put(hmac);
        return b.array();
    }

    public static CarpHeader decode(byte[] data, int offset, int available) throws DecodeException {
        if (available < LENGTH || offset < 0 || offset + LENGTH > data.length) {
            throw new DecodeException(DropReason.SHORT, () -> available + " CARP bytes, need " + LENGTH);
        }
        ByteBuffer b = ByteBuffer.wrap(data, offset, LENGTH);
        int vt = b.get() & 0xff;
        int vhid = b.get() & 0xff;
        int advskew = b.get() & 0xff;
        int authlen = b.get() & 0xff;
        int demote = b.get() & 0xff;
        int advbase = b.get() & 0xff;
        int checksum = b.getShort() & 0xffff;
        long counter = b.getLong();
        byte[] hmac = new byte[HMAC_LENGTH];
        b.get(hmac);
        return new CarpHeader(vt >>> 4, vt & 0xf, vhid, advskew, authlen, demote, advbase, checksum,
                counter, hmac);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CarpHeader h && version == h.version && type == h.type && vhid == h.vhid
                && advskew == h.advskew && authlen == h.authlen && demote == h.demote
                && advbase == h.advbase && checksum == h.checksum && counter == h.counter
                && Arrays.equals(hmac, h.hmac);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return "CARPv" + version + " type " + type + " vhid " + vhid + " advbase " + advbase
                + " advskew " + advskew + " demote " + demote + " counter " + Long.toUnsignedString(counter)
                + " hmac " + HexFormat.of().formatHex(hmac);
    }
}
