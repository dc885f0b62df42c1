package org.carp4j.codec;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Ethernet + IPv4/IPv6 framing of CARP advertisements. Pure byte work: no sockets, no pcap.
 * Decoding is split in two stages so the receive path can check fields in the BSD order:
 * {@link #readIp} finds the IP header and the CARP bytes, then {@link CarpHeader#decode} reads them.
 */
public final class FrameCodec {
    public static final int PROTO_CARP = 112;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_IPV6 = 0x86dd;
    static final int ETHER_HEADER = 14;
    static final int IPV4_HEADER = 20;
    static final int IPV6_HEADER = 40;

    private FrameCodec() {
    }

    /** What the IP layer says about a received frame, before the CARP header is read. */
    public record IpView(MacAddress dstMac, MacAddress srcMac, InetAddress src, InetAddress dst, int ttl,
                         int tos, int ipId, byte[] frame, int carpOffset, int carpLength) {
        public boolean isIPv4() {
            return src instanceof Inet4Address;
        }

        public CarpHeader carp() throws DecodeException {
            return CarpHeader.decode(frame, carpOffset, carpLength);
        }
    }

    public static byte[] encode(AdvertFrame f) {
        byte[] carp = f.carp().encode();
        boolean v4 = f.isIPv4();
        int ipLen = (v4 ? IPV4_HEADER : IPV6_HEADER) + carp.length;
        ByteBuffer b = ByteBuffer.allocate(ETHER_HEADER + ipLen);
        b.put(f.dstMac().bytes()).put(f.srcMac().bytes());
        b.putShort((short) (v4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6));
        if (v4) {
            int ipStart = b.position();
            b.put((byte) 0x45).put((byte) f.tos()).putShort((short) ipLen);
            b.putShort((short) f.ipId()).putShort((short) 0x4000); // DF, offset 0
            b.put((byte) f.ttl()).put((byte) PROTO_CARP).putShort((short) 0);
            b.put(f.src().getAddress()).put(f.dst().getAddress());
            byte[] a = b.array();
            int sum = Checksum.of(a, ipStart, IPV4_HEADER);
            b.putShort(ipStart + 10, (short) sum);
        } else {
            b.putInt(0x6000_0000 | (f.tos() << 20));
            b.putShort((short) carp.length).put((byte) PROTO_CARP).put((byte) f.ttl());
            b.put(f.src().getAddress()).put(f.dst().getAddress());
        }
        b.put(carp);
        return b.array();
    }

    public static AdvertFrame decode(byte[] frame) throws DecodeException {
        IpView ip = readIp(frame);
        return new AdvertFrame(ip.dstMac(), ip.srcMac(), ip.src(), ip.dst(), ip.ttl(), ip.tos(), ip.ipId(),
                ip.carp());
    }

    /** Reads the Ethernet and IP headers of a protocol-112 frame. */
    public static IpView readIp(byte[] frame) throws DecodeException {
        if (frame == null || frame.length < ETHER_HEADER) {
            throw new DecodeException(DropReason.SHORT, "frame shorter than an Ethernet header");
        }
        MacAddress dstMac = MacAddress.of(frame, 0);
        MacAddress srcMac = MacAddress.of(frame, 6);
        int type = ((frame[12] & 0xff) << 8) | (frame[13] & 0xff);
        return switch (type) {
            case ETHERTYPE_IPV4 -> readIPv4(frame, dstMac, srcMac);
            case ETHERTYPE_IPV6 -> readIPv6(frame, dstMac, srcMac);
            default -> throw new DecodeException(DropReason.MALFORMED,
                    String.format("EtherType 0x%04x is not IP", type));
        };
    }

    private static IpView readIPv4(byte[] f, MacAddress dstMac, MacAddress srcMac) throws DecodeException {
        int ip = ETHER_HEADER;
        int available = f.length - ip;
        if (available < IPV4_HEADER) {
            throw new DecodeException(DropReason.SHORT, "truncated IPv4 header");
        }
        int vihl = f[ip] & 0xff;
        if ((vihl >>> 4) != 4) {
            throw new DecodeException(DropReason.MALFORMED, "IP version " + (vihl >>> 4) + " in an IPv4 frame");
        }
        int ihl = (vihl & 0xf) * 4;
        int total = u16(f, ip + 2);
        if (ihl < IPV4_HEADER || available < ihl) {
            throw new DecodeException(DropReason.SHORT, "IPv4 header length " + ihl);
        }
        if (total < ihl || total > available) {
            throw new DecodeException(DropReason.SHORT,
                    () -> "IPv4 total length " + total + " but " + available + " bytes captured");
        }
        if (f[ip + 9] != (byte) PROTO_CARP) {
            throw new DecodeException(DropReason.MALFORMED, "IP protocol " + (f[ip + 9] & 0xff));
        }
        if ((u16(f, ip + 6) & 0x3fff) != 0) {
            throw new DecodeException(DropReason.MALFORMED, "fragmented IPv4 packet");
        }
        if (Checksum.of(f, ip, ihl) != 0) {
            throw new DecodeException(DropReason.BAD_CHECKSUM, "IPv4 header checksum");
        }
        return new IpView(dstMac, srcMac, addr(f, ip + 12, 4), addr(f, ip + 16, 4), f[ip + 8] & 0xff,
                f[ip + 1] & 0xff, u16(f, ip + 4), f, ip + ihl, total - ihl);
    }

    private static IpView readIPv6(byte[] f, MacAddress dstMac, MacAddress srcMac) throws DecodeException {
        int ip = ETHER_HEADER;
        int available = f.length - ip;
        if (available < IPV6_HEADER) {
            throw new DecodeException(DropReason.SHORT, "truncated IPv6 header");
        }
        int first = ByteBuffer.wrap(f, ip, 4).getInt();
        if ((first >>> 28) != 6) {
            throw new DecodeException(DropReason.MALFORMED, "IP version " + (first >>> 28) + " in an IPv6 frame");
        }
        int payload = u16(f, ip + 4);
        if (f[ip + 6] != (byte) PROTO_CARP) {
            throw new DecodeException(DropReason.MALFORMED, "IPv6 next header " + (f[ip + 6] & 0xff));
        }
        if (payload > available - IPV6_HEADER) {
            throw new DecodeException(DropReason.SHORT,
                    "IPv6 payload length " + payload + " but " + (available - IPV6_HEADER) + " bytes captured");
        }
        return new IpView(dstMac, srcMac, addr(f, ip + 8, 16), addr(f, ip + 24, 16), f[ip + 7] & 0xff,
                (first >>> 20) & 0xff, 0, f, ip + IPV6_HEADER, payload);
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    static InetAddress addr(byte[] b, int off, int len) {
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(b, off, off + len));
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always an address", e);
        }
    }
}
