package org.carp4j.lab;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hardening test's oracle: what carpd should hold, written by hand from carpconfig(8) and
 * carpsysctl(8), sharing no code with the daemon's grammar. It knows the lab host's interfaces
 * (em0 172.16.0.1/24, em1 192.0.2.1/24) because carpconfig's defaults depend on them.
 */
final class CarpModel {
    /** One carp interface as the man page describes it; created: up, no vhid, advbase 1, advskew 0. */
    static final class Iface {
        final String name;
        boolean up = true;
        int vhid;
        int advbase = 1;
        int advskew;
        String pass = "";
        String carpdev;
        InetAddress peer;
        /** In display order: the first IPv4 address is the primary one. */
        List<Addr> addrs = new ArrayList<>();

        Iface(String name) {
            this.name = name;
        }

        Iface copy() {
            Iface c = new Iface(name);
            c.up = up;
            c.vhid = vhid;
            c.advbase = advbase;
            c.advskew = advskew;
            c.pass = pass;
            c.carpdev = carpdev;
            c.peer = peer;
            c.addrs = new ArrayList<>(addrs);
            return c;
        }

        Addr primary() {
            return addrs.stream().filter(Addr::v4).findFirst().orElse(null);
        }

        @Override
        public String toString() {
            return name + "{up=" + up + " vhid=" + vhid + " advbase=" + advbase + " advskew=" + advskew + " carpdev="
                    + carpdev + " peer=" + peer + " addrs=" + addrs + "}";
        }
    }

    record Addr(InetAddress address, int prefix) {
        boolean v4() {
            return address instanceof Inet4Address;
        }

        @Override
        public String toString() {
            return address.getHostAddress() + "/" + prefix;
        }
    }

    /** A subnet of the lab host: name, address, prefix. */
    record HostSubnet(String dev, InetAddress address, int prefix) {
        boolean holds(InetAddress a) {
            return a.getClass() == address.getClass() && sameNet(a, address, prefix);
        }
    }

    static final List<HostSubnet> HOST = List.of(
            new HostSubnet("em0", addr("172.16.0.1"), 24),
            new HostSubnet("em1", addr("192.0.2.1"), 24));

    /** carpsysctl(8)'s table: name, range and default. */
    record SysctlRow(int dflt, int min, int max) {
    }

    static final Map<String, SysctlRow> SYSCTLS = new LinkedHashMap<>();

    static {
        SYSCTLS.put("allow", new SysctlRow(1, 0, 1));
        SYSCTLS.put("preempt", new SysctlRow(0, 0, 1));
        SYSCTLS.put("log", new SysctlRow(0, 0, 2));
        SYSCTLS.put("arpbalance", new SysctlRow(0, 0, 1));
        SYSCTLS.put("replay", new SysctlRow(0, 0, 1));
        SYSCTLS.put("garprefresh", new SysctlRow(0, 0, 3600));
        SYSCTLS.put("strictauth", new SysctlRow(0, 0, 1));
    }

    static final int DEMOTE_MAX = 255;

    final Map<String, Iface> ifaces = new TreeMap<>();
    final Map<String, Integer> sysctls = new LinkedHashMap<>();
    int demote;

    CarpModel() {
        SYSCTLS.forEach((k, v) -> sysctls.put(k, v.dflt()));
    }

    CarpModel copy() {
        CarpModel m = new CarpModel();
        ifaces.forEach((k, v) -> m.ifaces.put(k, v.copy()));
        m.sysctls.putAll(sysctls);
        m.demote = demote;
        return m;
    }

    /** Everything carpd saves, passphrases included: a change of it must reach carpd.json. */
    String saved() {
        StringBuilder b = new StringBuilder();
        ifaces.values().forEach(c -> b.append(c).append(" pass=").append(c.pass).append('\n'));
        return b.append(sysctls).append(" demote=").append(demote).toString();
    }

    static InetAddress addr(String literal) {
        try {
            return InetAddress.getByName(literal); // numeric literals only: no lookup
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    static boolean sameNet(InetAddress a, InetAddress b, int prefix) {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >> (bit % 8);
            if ((x[bit / 8] & mask) != (y[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    static boolean isHostAddress(InetAddress a) {
        return HOST.stream().anyMatch(h -> h.address().equals(a)) || a.isLoopbackAddress();
    }
}
