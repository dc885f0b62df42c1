package org.carp4j.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The value ranges of the configuration, in one place: the command grammar reports them in the
 * BSD words ("vhid 256: too large"), and the state file check reports them with their JSON path.
 */
public final class Limits {
    public static final int VHID_MAX = 255;
    /** OpenBSD accepts advbase 0: the interval is then advskew/256 s alone (sub-second adverts). */
    public static final int ADVBASE_MIN = 0;
    public static final int ADVBASE_MAX = 255;
    /** 255 is reserved for the bow-out advert. */
    public static final int ADVSKEW_MAX = 254;
    public static final int PASS_MAX_BYTES = 19;
    public static final int DEMOTE_MAX = 255;
    /** advbase 0 advskew 0 would be an interval of 0 (PROTOCOL.md §0 refuses it). */
    public static final String ZERO_INTERVAL = "advbase 0 with advskew 0: no interval (advbase 0 needs advskew 1 to 254)";
    public static final String NAME_PATTERN = "carp[0-9]{1,4}";

    private Limits() {
    }

    /**
     * Why an address cannot be a carppeer, or null if it can: OpenBSD takes IPv4 only, and a peer
     * is one host, so multicast (other than the default group), broadcast and loopback are refused.
     */
    public static String carppeerProblem(InetAddress a) {
        if (!(a instanceof Inet4Address)) {
            return "only IPv4 addresses supported for the carppeer";
        }
        if (a.isMulticastAddress()) {
            return "not a unicast address (224.0.0.18, the default, is the only group)";
        }
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || VipAddress.Inet.toInt(a) == -1) {
            return "not the address of a peer";
        }
        return null;
    }

    /** Short name to {min, max}, from {@link SysctlVar}. */
    public static Map<String, int[]> sysctlRanges() {
        Map<String, int[]> m = new java.util.LinkedHashMap<>();
        for (SysctlVar v : SysctlVar.values()) {
            m.put(v.shortName(), new int[] {v.min(), v.max()});
        }
        return m;
    }

    /** Every problem of a whole document, each prefixed with where it is ("interfaces[0].vhid"). */
    public static List<String> problems(StateDocument doc) {
        List<String> p = new ArrayList<>();
        Sysctls s = doc.sysctls();
        for (var e : sysctlRanges().entrySet()) {
            int v = s.get(e.getKey());
            if (v < e.getValue()[0] || v > e.getValue()[1]) {
                p.add("sysctl." + e.getKey() + ": " + v + " out of range " + e.getValue()[0] + ".." + e.getValue()[1]);
            }
        }
        if (doc.demote() < 0 || doc.demote() > DEMOTE_MAX) {
            p.add("groups.carp.demote: " + doc.demote() + " out of range 0.." + DEMOTE_MAX);
        }
        Map<String, String> seenVhid = new HashMap<>();
        Map<String, Integer> seenName = new HashMap<>();
        for (int i = 0; i < doc.interfaces().size(); i++) {
            VhostConfig c = doc.interfaces().get(i);
            String at = "interfaces[" + i + "]";
            if (c.name() == null || !c.name().matches(NAME_PATTERN)) {
                p.add(at + ".name: " + c.name() + ": not a carp interface name (carpN)");
            } else if (seenName.put(c.name(), i) != null) {
                p.add(at + ".name: " + c.name() + ": defined twice");
            }
            if (c.vhid() < 0 || c.vhid() > VHID_MAX) {
                p.add(at + ".vhid: " + c.vhid() + " out of range 0.." + VHID_MAX);
            }
            if (c.advbase() < ADVBASE_MIN || c.advbase() > ADVBASE_MAX) {
                p.add(at + ".advbase: " + c.advbase() + " out of range " + ADVBASE_MIN + ".." + ADVBASE_MAX);
            }
            if (c.advskew() < 0 || c.advskew() > ADVSKEW_MAX) {
                p.add(at + ".advskew: " + c.advskew() + " out of range 0.." + ADVSKEW_MAX);
            }
            if (c.advbase() == 0 && c.advskew() == 0) {
                p.add(at + ".advskew: " + ZERO_INTERVAL);
            }
            if (c.password().getBytes(StandardCharsets.UTF_8).length > PASS_MAX_BYTES) {
                p.add(at + ".pass: longer than " + PASS_MAX_BYTES + " characters");
            }
            if (c.carpdev() != null && !c.carpdev().matches("[A-Za-z0-9_.@:-]{1,15}")) {
                p.add(at + ".carpdev: " + c.carpdev() + ": not an interface name");
            }
            if (c.vhid() > 0 && c.carpdev() != null) {
                String key = c.carpdev() + "/" + c.vhid();
                String other = seenVhid.putIfAbsent(key, c.name());
                if (other != null) {
                    p.add(at + ".vhid: vhid " + c.vhid() + " on " + c.carpdev() + " already used by " + other);
                }
            }
            if (c.peer() != null && carppeerProblem(c.peer()) != null) {
                p.add(at + ".carppeer: " + VipAddress.Inet.format(c.peer()) + ": " + carppeerProblem(c.peer()));
            } else if (c.peer() != null && c.addresses().stream().anyMatch(v -> v.address().equals(c.peer()))) {
                p.add(at + ".carppeer: " + c.peer().getHostAddress() + " is an address of " + c.name() + " itself");
            }
            if (c.addresses().stream().distinct().count() != c.addresses().size()) {
                p.add(at + ".addresses: an address is listed twice");
            }
        }
        return p;
    }
}
