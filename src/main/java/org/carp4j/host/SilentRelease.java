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
 * IPv6 on a carp interface only while it holds IPv6 addresses, so that a BACKUP sends nothing
 * from the virtual MAC. Removing the last IPv6 addresses makes the kernel report leaving their
 * solicited-node groups (MLD, at once and again up to a second later) from the interface's MAC,
 * after the bow-out advert; and while IPv6 is on, a router's carp interface (forwarding=1) is in
 * the all-routers group and answers an MLD querier. A host that is no longer MASTER would teach
 * the switch that the VIP lives behind its port. While disable_ipv6 is set the kernel sends no
 * IPv6 frame from the interface and cancels its pending reports, so carpd sets it to release the
 * last IPv6 addresses (which also removes them) and clears it just before the next IPv6 take.
 */
final class SilentRelease {
    private SilentRelease() {
    }

    /** Before removing these addresses from name: if they are its last IPv6 ones, IPv6 goes off, silently. */
    static void before(String name, List<VipAddress> removing) {
        if (removing.stream().allMatch(VipAddress::isIPv4)) {
            return;
        }
        try {
            if (releasesLastIpv6(name, removing, Files.readString(Path.of("/proc/net/if_inet6")))) {
                Files.writeString(knob(name), "1");
            }
        } catch (IOException e) {
            // no IPv6 here, or the interface is gone: the ordinary removal follows
        }
    }

    /** Before adding these addresses to name (MASTER from now on): IPv6 on if one of them needs it. */
    static void beforeTake(String name, List<VipAddress> adding) {
        if (adding.stream().allMatch(VipAddress::isIPv4)) {
            return;
        }
        try {
            Files.writeString(knob(name), "0");
        } catch (IOException e) {
            // no IPv6 in this namespace: the add reports it
        }
    }

    private static Path knob(String name) {
        return Path.of("/proc/sys/net/ipv6/conf", name, "disable_ipv6");
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
