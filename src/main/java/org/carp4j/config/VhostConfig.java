package org.carp4j.config;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One carp interface as the administrator configured it (what `carpconfig carpN ...` sets).
 * A freshly created interface has vhid 0 (unset), no carpdev and no addresses; it takes part in
 * elections only once it is up and has a vhid, a carpdev and at least one address.
 *
 * @param password the shared secret; "" means none (the all-zero key, as on the BSDs)
 * @param peer     OpenBSD's carppeer: the unicast IPv4 address IPv4 adverts go to; null means
 *                 the multicast group 224.0.0.18
 */
public record VhostConfig(String name, int vhid, String password, String carpdev, int advbase,
                          int advskew, List<VipAddress> addresses, boolean up, InetAddress peer) {

    public static final int DEFAULT_ADVBASE = 1;
    /** Where IPv4 adverts go without a carppeer. */
    public static final InetAddress GROUP_V4 = VipAddress.Inet.parseLiteral("224.0.0.18");

    public VhostConfig {
        password = password == null ? "" : password;
        addresses = List.copyOf(addresses);
    }

    /** A carp interface that advertises to the multicast group. */
    public VhostConfig(String name, int vhid, String password, String carpdev, int advbase, int advskew,
                       List<VipAddress> addresses, boolean up) {
        this(name, vhid, password, carpdev, advbase, advskew, addresses, up, null);
    }

    public static VhostConfig created(String name) {
        return new VhostConfig(name, 0, "", null, DEFAULT_ADVBASE, 0, List.of(), true, null);
    }

    public byte[] key() {
        return password.getBytes(StandardCharsets.UTF_8);
    }

    public boolean configured() {
        return vhid > 0 && carpdev != null && !addresses.isEmpty();
    }

    public VhostConfig withVhid(int v) {
        return new VhostConfig(name, v, password, carpdev, advbase, advskew, addresses, up, peer);
    }

    public VhostConfig withPassword(String p) {
        return new VhostConfig(name, vhid, p, carpdev, advbase, advskew, addresses, up, peer);
    }

    public VhostConfig withCarpdev(String d) {
        return new VhostConfig(name, vhid, password, d, advbase, advskew, addresses, up, peer);
    }

    public VhostConfig withAdvbase(int b) {
        return new VhostConfig(name, vhid, password, carpdev, b, advskew, addresses, up, peer);
    }

    public VhostConfig withAdvskew(int s) {
        return new VhostConfig(name, vhid, password, carpdev, advbase, s, addresses, up, peer);
    }

    public VhostConfig withAddresses(List<VipAddress> a) {
        return new VhostConfig(name, vhid, password, carpdev, advbase, advskew, a, up, peer);
    }

    public VhostConfig withUp(boolean u) {
        return new VhostConfig(name, vhid, password, carpdev, advbase, advskew, addresses, u, peer);
    }

    public VhostConfig withPeer(InetAddress p) {
        return new VhostConfig(name, vhid, password, carpdev, advbase, advskew, addresses, up, p);
    }

    /** Never print the password: records' generated toString would. */
    @Override
    public String toString() {
        return name + "{vhid " + vhid + ", carpdev " + carpdev + ", advbase " + advbase + ", advskew "
                + advskew + ", " + addresses + (peer == null ? "" : ", carppeer " + peer.getHostAddress())
                + (up ? ", up" : ", down") + "}";
    }
}
