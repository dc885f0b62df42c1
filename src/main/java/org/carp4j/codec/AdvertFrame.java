package org.carp4j.codec;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * A CARP advertisement as an Ethernet frame: the link and IP fields around the CARP header.
 *
 * @param dstMac  01:00:5e:00:00:12 (IPv4 group) or 33:33:00:00:00:12 (IPv6), or a peer's MAC
 * @param srcMac  the virtual MAC 00:00:5e:00:01:{vhid} when we send
 * @param src     the carpdev's address
 * @param dst     224.0.0.18, ff02::12, or a unicast peer
 * @param ttl     IPv4 TTL or IPv6 hop limit; 255 on the wire
 * @param tos     IPv4 TOS or IPv6 traffic class; 0x10 (IPTOS_LOWDELAY) for IPv4
 * @param ipId    IPv4 identification (ignored for IPv6)
 */
public record AdvertFrame(MacAddress dstMac, MacAddress srcMac, InetAddress src, InetAddress dst,
                          int ttl, int tos, int ipId, CarpHeader carp) {

    public AdvertFrame {
        if ((src instanceof Inet4Address) != (dst instanceof Inet4Address)) {
            throw new IllegalArgumentException("source and destination must be the same family");
        }
        if (ttl < 0 || ttl > 255 || tos < 0 || tos > 255 || ipId < 0 || ipId > 0xffff) {
            throw new IllegalArgumentException("IP field out of range");
        }
        if (!(src instanceof Inet4Address)) {
            ipId = 0;
        }
    }

    public boolean isIPv4() {
        return src instanceof Inet4Address;
    }
}
