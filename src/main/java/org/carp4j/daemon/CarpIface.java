package org.carp4j.daemon;

import org.carp4j.config.VhostConfig;

/**
 * What a carp interface is on the host: a macvlan named {@code name} on {@code carpdev} with the
 * virtual MAC of {@code vhid}, IPv6 enabled or not. A change of any part means a new interface.
 */
record CarpIface(String name, String carpdev, int vhid, boolean ipv6) {
    static CarpIface of(VhostConfig c) {
        return new CarpIface(c.name(), c.carpdev(), c.vhid(), c.addresses().stream().anyMatch(v -> !v.isIPv4()));
    }
}
