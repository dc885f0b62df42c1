package org.carp4j.host;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.carp4j.config.VipAddress;

/**
 * Releasing the last IPv6 addresses of a carp interface without a word on the wire. Removing them
 * makes the kernel report leaving their solicited-node groups (MLD, at once and again up to a
 * second later) from the interface's MAC, the virtual MAC, after the bow-out advert: a host that
 * is no longer MASTER would teach the switch that the VIP lives behind its port. While
 * disable_ipv6 is set the kernel drops every IPv6 frame the interface sends and cancels its
 * pending reports, so carpd sets it, which also removes the addresses, and clears it again (still
 * no link-local address: addr_gen_mode is 1).
 */
final class SilentRelease {
    private SilentRelease() {
    }

    /** Before removing these addresses from name: if they are its last IPv6 ones, drop them silently. */
    static void before(String name, List<VipAddress> removing) {
        if (removing.stream().allMatch(VipAddress::isIPv4)) {
            return;
        }
        try {
            if (releasesLastIpv6(name, removing, Files.readString(Path.of("/proc/net/if_inet6")))) {
                Path knob = Path.of("/proc/sys/net/ipv6/conf", name, "disable_ipv6");
                Files.writeString(knob, "1");
                Files.writeString(knob, "0");
            }
        } catch (IOException e) {
            // no IPv6 here, or the interface is gone: the ordinary removal follows
        }
    }

    /**
     * Whether every IPv6 address interface name has, as /proc/net/if_inet6 lists them
     * ("20010db8000000000000000000000100 03 40 00 80 carp0"), is among those removed; false if it has none.
     */
    static boolean releasesLastIpv6(String name, List<VipAddress> removing, String ifInet6) throws UnknownHostException {
        Set<InetAddress> on = new HashSet<>();
        for (String line : ifInet6.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 6 && f[5].equals(name) && f[0].length() == 32) {
                on.add(InetAddress.getByAddress(HexFormat.of().parseHex(f[0])));
            }
        }
        Set<InetAddress> removed = new HashSet<>();
        removing.forEach(a -> removed.add(a.address()));
        return !on.isEmpty() && removed.containsAll(on);
    }
}
