package org.carp4j.codec;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Frames that tell the segment where a virtual address lives: gratuitous ARP for IPv4 and the
 * unsolicited neighbour advertisement for IPv6 (what OpenBSD's carp_send_arp / carp_send_na send),
 * plus the ARP parser and reply the arpbalance mode needs and the request that resolves a carppeer.
 */
public final class Announcements {
    static final int ETHERTYPE_ARP = 0x0806;
    static final int ARP_REQUEST = 1;
    static final int ARP_REPLY = 2;
    private static final byte[] ALL_NODES = {(byte) 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    private Announcements() {
    }

    /** ARP request "who-has VIP tell VIP" from the virtual MAC to broadcast. */
    public static byte[] gratuitousArp(MacAddress mac, Inet4Address vip) {
        return arp(ARP_REQUEST, MacAddress.BROADCAST, mac, vip, MacAddress.ZERO, vip);
    }

    /** ARP reply "VIP is at mac" to the asker (arpbalance). */
    public static byte[] arpReply(MacAddress mac, Inet4Address vip, MacAddress askerMac, Inet4Address askerIp) {
        return arp(ARP_REPLY, askerMac, mac, vip, askerMac, askerIp);
    }

    private static byte[] arp(int op, MacAddress ethDst, MacAddress sha, Inet4Address spa,
                              MacAddress tha, Inet4Address tpa) {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(ethDst.bytes()).put(sha.bytes()).putShort((short) ETHERTYPE_ARP);
        b.putShort((short) 1).putShort((short) FrameCodec.ETHERTYPE_IPV4).put((byte) 6).put((byte) 4);
        b.putShort((short) op);
        b.put(sha.bytes()).put(spa.getAddress()).put(tha.bytes()).put(tpa.getAddress());
        return b.array();
    }

    /** "Who has target? Tell sender": how we resolve a unicast peer (sender 0.0.0.0 is an RFC 5227 probe). */
    public static byte[] arpRequest(MacAddress mac, Inet4Address sender, Inet4Address target) {
        return arp(ARP_REQUEST, MacAddress.BROADCAST, mac, sender, MacAddress.ZERO, target);
    }

    /** An Ethernet/IPv4 ARP request or reply someone sent. */
    public record Arp(boolean request, MacAddress senderMac, Inet4Address senderIp, Inet4Address targetIp,
                      MacAddress targetMac) {
        /** A request as we send it: the target's hardware address is still unknown (zero). */
        public Arp(boolean request, MacAddress senderMac, Inet4Address senderIp, Inet4Address targetIp) {
            this(request, senderMac, senderIp, targetIp, MacAddress.ZERO);
        }
    }

    public static Optional<Arp> parseArp(byte[] f) {
        if (f == null || f.length < 42 || FrameCodec.u16(f, 12) != ETHERTYPE_ARP
                || FrameCodec.u16(f, 14) != 1 || FrameCodec.u16(f, 16) != FrameCodec.ETHERTYPE_IPV4
                || f[18] != 6 || f[19] != 4) {
            return Optional.empty();
        }
        int op = FrameCodec.u16(f, 20);
        if (op != ARP_REQUEST && op != ARP_REPLY) {
            return Optional.empty();
        }
        InetAddress spa = FrameCodec.addr(f, 28, 4);
        InetAddress tpa = FrameCodec.addr(f, 38, 4);
        return Optional.of(new Arp(op == ARP_REQUEST, MacAddress.of(f, 22), (Inet4Address) spa, (Inet4Address) tpa,
                MacAddress.of(f, 32)));
    }

    /** Unsolicited neighbour advertisement (Override flag) for vip to ff02::1. */
    public static byte[] unsolicitedNeighborAdvert(MacAddress mac, Inet6Address vip) {
        int icmpLen = 24 + 8;
        ByteBuffer icmp = ByteBuffer.allocate(icmpLen);
        icmp.put((byte) 136).put((byte) 0).putShort((short) 0);
        icmp.putInt(0x2000_0000); // O: override cached entries
        icmp.put(vip.getAddress());
        icmp.put((byte) 2).put((byte) 1).put(mac.bytes()); // target link-layer address option
        byte[] body = icmp.array();
        long sum = Checksum.sum(vip.getAddress(), 0, 16, 0);
        sum = Checksum.sum(ALL_NODES, 0, 16, sum);
        sum += icmpLen + 58;
        sum = Checksum.sum(body, 0, icmpLen, sum);
        int ck = Checksum.finish(sum);
        body[2] = (byte) (ck >>> 8);
        body[3] = (byte) ck;

        ByteBuffer b = ByteBuffer.allocate(14 + 40 + icmpLen);
        b.put(MacAddress.ALL_NODES_V6.bytes()).put(mac.bytes()).putShort((short) FrameCodec.ETHERTYPE_IPV6);
        b.putInt(0x6000_0000).putShort((short) icmpLen).put((byte) 58).put((byte) 255);
        b.put(vip.getAddress()).put(ALL_NODES).put(body);
        return b.array();
    }
}
