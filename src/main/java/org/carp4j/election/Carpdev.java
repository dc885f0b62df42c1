package org.carp4j.election;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.VipAddress;

/**
 * What the host tells the core about a physical interface a carp interface runs on: its MAC, its
 * own addresses (the source of our adverts, and how we recognise our own packets) and its carrier.
 */
public record Carpdev(String name, MacAddress mac, List<VipAddress> addresses, boolean linkUp) {

    public Carpdev {
        addresses = List.copyOf(addresses);
    }

    public Optional<InetAddress> firstIPv4() {
        return addresses.stream().map(VipAddress::address).filter(a -> a instanceof Inet4Address).findFirst();
    }

    public Optional<InetAddress> linkLocalIPv6() {
        return addresses.stream().map(VipAddress::address)
                .filter(a -> a instanceof Inet6Address && a.isLinkLocalAddress()).findFirst();
    }

    public boolean owns(InetAddress a) {
        return addresses.stream().anyMatch(v -> v.address().equals(a));
    }

    public Carpdev withLink(boolean up) {
        return new Carpdev(name, mac, addresses, up);
    }
}
