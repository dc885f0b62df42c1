package org.carp4j.codec;

import java.util.HexFormat;

/** A 48-bit Ethernet address held in the low bits of a long, so records compare by value. */
public record MacAddress(long value) {
    public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);
    public static final MacAddress ZERO = new MacAddress(0);
    /** 224.0.0.18 mapped to Ethernet. */
    public static final MacAddress CARP_GROUP_V4 = new MacAddress(0x0100_5e00_0012L);
    /** ff02::12 mapped to Ethernet. */
    public static final MacAddress CARP_GROUP_V6 = new MacAddress(0x3333_0000_0012L);
    /** ff02::1 mapped to Ethernet, for unsolicited neighbour advertisements. */
    public static final MacAddress ALL_NODES_V6 = new MacAddress(0x3333_0000_0001L);

    public MacAddress {
        if ((value >>> 48) != 0) {
            throw new IllegalArgumentException("not a 48-bit address");
        }
    }

    /** The virtual router MAC 00:00:5e:00:01:{vhid} that kernel CARP and carp4j use. */
    public static MacAddress virtual(int vhid) {
        return new MacAddress(0x0000_5e00_0100L | (vhid & 0xff));
    }

    public static MacAddress of(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return new MacAddress(v);
    }

    public static MacAddress parse(String text) {
        String[] parts = text.trim().split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: " + text);
        }
        long v = 0;
        for (String p : parts) {
            v = (v << 8) | Integer.parseInt(p, 16);
        }
        return new MacAddress(v);
    }

    public byte[] bytes() {
        byte[] b = new byte[6];
        for (int i = 5; i >= 0; i--) {
            b[i] = (byte) (value >>> (8 * (5 - i)));
        }
        return b;
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes());
    }
}
