package org.carp4j.host;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.carp4j.codec.MacAddress;
import org.carp4j.commands.HostInterface;
import org.carp4j.config.VipAddress;
import org.carp4j.election.Carpdev;

/** What carpd changes and reads on the host. The real one uses rtnetlink for addresses and `ip` for links; tests may fake it. */
public interface HostNetwork {
    /** The host's own interfaces that can be a carpdev (not loopback, not our carp interfaces). */
    List<HostInterface> interfaces() throws IOException;

    /** Just the carrier, cheaply (polled often); empty if the interface does not exist. */
    Optional<Boolean> carrier(String name);

    /**
     * Which of these interfaces exist. Polled every 100 ms for every carp interface, so the real
     * host answers from one directory listing, not a file read per interface (255 of them).
     */
    default java.util.Set<String> existing(java.util.Collection<String> names) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String n : names) {
            if (carrier(n).isPresent()) {
                out.add(n);
            }
        }
        return out;
    }

    /** Carrier, MAC and addresses of one interface, empty if it does not exist. */
    Optional<Carpdev> carpdev(String name) throws IOException;

    /** The addresses of these interfaces, by name; those that do not exist are left out. */
    default java.util.Map<String, List<VipAddress>> addressesOf(java.util.Collection<String> names) throws IOException {
        java.util.Map<String, List<VipAddress>> out = new java.util.HashMap<>();
        carpdevs(names).forEach((n, c) -> out.put(n, c.addresses()));
        return out;
    }

    /** {@link #carpdev} for several interfaces, by name; those that do not exist are left out. */
    default java.util.Map<String, Carpdev> carpdevs(java.util.Collection<String> names) throws IOException {
        java.util.Map<String, Carpdev> out = new java.util.HashMap<>();
        for (String n : names) {
            carpdev(n).ifPresent(c -> out.put(n, c));
        }
        return out;
    }

    /** An interface of the wanted name exists and is not ours (no carp4j alias): left alone. */
    final class ForeignInterfaceException extends IOException {
        public ForeignInterfaceException(String name) {
            super(name + ": an interface of that name exists and was not created by carpd;"
                    + " remove it or choose another name");
        }
    }

    /**
     * Creates carpN on its carpdev with the virtual MAC, silent until it holds addresses. A carpN
     * a dead carpd left is replaced; any other interface of that name is refused, untouched.
     */
    void createCarpInterface(String name, String carpdev, MacAddress mac, boolean ipv6) throws IOException;

    void destroyCarpInterface(String name) throws IOException;

    /** An interface of that name exists and carpd did not make it (read from /sys, no fork). */
    boolean foreignInterface(String name);

    /** Whether the kernel answers ARP on a carp interface (off while carpd balances ARP itself). */
    void kernelArp(String name, boolean answer);

    /** Adds addresses; carpdevAddresses are the carpdev's own, to avoid a duplicate subnet route. */
    void addAddresses(String name, List<VipAddress> addresses, List<VipAddress> carpdevAddresses) throws IOException;

    void removeAddresses(String name, List<VipAddress> addresses) throws IOException;

    /** The addresses one carp interface takes, as {@link #addAddresses(String, List, List)} takes them. */
    record Grant(String name, List<VipAddress> addresses, List<VipAddress> carpdevAddresses) {
    }

    /**
     * Adds the addresses of several interfaces at once (one election decision: the real host sends
     * them in one request). One interface failing does not stop the others: the failures come back
     * by interface name, empty when all are up.
     */
    default Map<String, IOException> addAddresses(List<Grant> grants) {
        Map<String, IOException> failed = new LinkedHashMap<>();
        for (Grant g : grants) {
            try {
                addAddresses(g.name(), g.addresses(), g.carpdevAddresses());
            } catch (IOException e) {
                failed.put(g.name(), e);
            }
        }
        return failed;
    }

    /** Removes every carp interface a previous carpd left behind (marked with our alias). */
    List<String> cleanup() throws IOException;

    /**
     * Puts back the carpdevs' sysctls a killed carpd changed and no carp interface needs now, as
     * "net.ipv4.conf.em0.arp_ignore=0".
     */
    default List<String> restoreCarpdevSysctls() {
        return List.of();
    }
}
