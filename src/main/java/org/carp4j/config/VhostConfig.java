package org.carp4j.config;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One carp interface as the administrator configured it (what `carpconfig carpN ...` sets).
 * A freshly created interface has vhid 0 (unset), no carpdev and no addresses; it takes part in
 * elections only once it is up and has a vhid, a carpdev and at least one address.
 *
 * @param password the shared secret; "" means none (the all-zero key, as on the BSDs)
 */
public record VhostConfig(String name, int vhid, String password, String carpdev, int advbase,
                          int advskew, List<VipAddress> addresses, boolean up) {

    public static final int DEFAULT_ADVBASE = 1;

    public VhostConfig {
        password = password == null ? "" : password;
        addresses = List.copyOf(addresses);
    }

    public static VhostConfig created(String name) {
        return new VhostConfig(name, 0, "", null, DEFAULT_ADVBASE, 0, List.of(), true);
    }

    public byte[] key() {
        return password.getBytes(StandardCharsets.UTF_8);
    }

    public boolean configured() {
        return vhid > 0 && carpdev != null && !addresses.isEmpty();
    }

    public VhostConfig withVhid(int v) {
        return new VhostConfig(name, v, password, carpdev, advbase, advskew, addresses, up);
    }

    public VhostConfig withPassword(String p) {
        return new VhostConfig(name, vhid, p, carpdev, advbase, advskew, addresses, up);
    }

    public VhostConfig withCarpdev(String d) {
        return new VhostConfig(name, vhid, password, d, advbase, advskew, addresses, up);
    }

    public VhostConfig withAdvbase(int b) {
        return new VhostConfig(name, vhid, password, carpdev, b, advskew, addresses, up);
    }

    public VhostConfig withAdvskew(int s) {
        return new VhostConfig(name, vhid, password, carpdev, advbase, s, addresses, up);
    }

    public VhostConfig withAddresses(List<VipAddress> a) {
        return new VhostConfig(name, vhid, password, carpdev, advbase, advskew, a, up);
    }

    public VhostConfig withUp(boolean u) {
        return new VhostConfig(name, vhid, password, carpdev, advbase, advskew, addresses, u);
    }

    /** Never print the password: records' generated toString would. */
    @Override
    public String toString() {
        return name + "{vhid " + vhid + ", carpdev " + carpdev + ", advbase " + advbase + ", advskew "
                + advskew + ", " + addresses + (up ? ", up" : ", down") + "}";
    }
}
