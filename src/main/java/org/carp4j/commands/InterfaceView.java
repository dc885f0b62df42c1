package org.carp4j.commands;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.CarpState;

/**
 * One carp interface as carpconfig shows it, in the handbook's layout:
 * <pre>
 * carp0: flags=8843&lt;UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST&gt; mtu 1500
 *         carp: BACKUP carpdev em0 vhid 1 advbase 1 advskew 100 [carppeer 10.0.0.3]
 *         inet 10.0.0.1 netmask 0xffffff00 broadcast 10.0.0.255
 * </pre>
 * The password is never part of a view.
 */
public record InterfaceView(VhostConfig config, CarpState state, int demote, int advskewSent, String demotion) {
    static final int IFF_UP = 0x1;
    static final int IFF_BROADCAST = 0x2;
    static final int IFF_RUNNING = 0x40;
    static final int IFF_SIMPLEX = 0x800;
    static final int IFF_MULTICAST = 0x8000;

    /** RUNNING is the truth of the election: set while BACKUP or MASTER, as on OpenBSD. */
    /** Not demoted: the interface advertises its own advskew. */
    public InterfaceView(VhostConfig config, CarpState state, int demote) {
        this(config, state, demote, config.advskew(), null);
    }

    public int flags() {
        int f = IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST;
        if (config.up()) {
            f |= IFF_UP;
        }
        if (state != CarpState.INIT) {
            f |= IFF_RUNNING;
        }
        return f;
    }

    public String flagsText() {
        List<String> names = new ArrayList<>();
        int f = flags();
        if ((f & IFF_UP) != 0) {
            names.add("UP");
        }
        names.add("BROADCAST");
        if ((f & IFF_RUNNING) != 0) {
            names.add("RUNNING");
        }
        names.add("SIMPLEX");
        names.add("MULTICAST");
        return String.format("flags=%x<%s>", f, String.join(",", names));
    }

    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(config.name()).append(": ").append(flagsText()).append(" mtu 1500\n");
        {
            // also without a vhid ("vhid none"): an interface that is in no election says so
            b.append("\tcarp: ").append(state).append(" carpdev ")
                    .append(config.carpdev() == null ? "none" : config.carpdev())
                    .append(" vhid ").append(config.vhid() == 0 ? "none" : Integer.toString(config.vhid()))
                    .append(" advbase ").append(config.advbase())
                    .append(" advskew ").append(advskewSent);
            if (config.peer() != null) {
                b.append(" carppeer ").append(config.peer().getHostAddress()); // as OpenBSD: only when not the group
            }
            if (demotion != null) {
                b.append(" (demoted: ").append(demotion).append("; advskew ").append(config.advskew()).append(" configured)");
            }
            b.append('\n');
        }
        for (VipAddress a : config.addresses()) {
            if (a.isIPv4()) {
                b.append(String.format("\tinet %s netmask 0x%08x broadcast %s%n", a.address().getHostAddress(),
                        a.netmask(), a.broadcast().getHostAddress()));
            } else {
                b.append(String.format("\tinet6 %s prefixlen %d%n", VipAddress.Inet.format(a.address()), a.prefixLength()));
            }
        }
        return b.toString();
    }

    /** The flag names, as the display lists them between the angle brackets. */
    public List<String> flagNames() {
        String t = flagsText();
        return List.of(t.substring(t.indexOf('<') + 1, t.length() - 1).split(","));
    }

    /**
     * The --json form for scripts and monitoring; a stable schema, documented in carpconfig(8):
     * structured values only (flags as a list, addresses as objects), null where the display says none.
     */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", config.name());
        m.put("flags", flagNames());
        m.put("up", config.up());
        m.put("state", state.name());
        m.put("vhid", config.vhid() == 0 ? null : config.vhid());
        m.put("carpdev", config.carpdev());
        m.put("advbase", config.advbase());
        m.put("advskew", config.advskew());
        m.put("carppeer", (config.peer() == null ? VhostConfig.GROUP_V4 : config.peer()).getHostAddress());
        m.put("demote", demote);
        m.put("advskew_sent", advskewSent);
        m.put("demoted_by", demotion);
        m.put("addresses", config.addresses().stream().map(InterfaceView::address).toList());
        return m;
    }

    private static Map<String, Object> address(VipAddress a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("family", a.isIPv4() ? "inet" : "inet6");
        m.put("address", VipAddress.Inet.format(a.address()));
        m.put("prefixlen", a.prefixLength());
        m.put("cidr", a.toString());
        if (a.isIPv4()) {
            m.put("netmask", VipAddress.Inet.format(VipAddress.Inet.fromInt(a.netmask())));
            m.put("broadcast", a.broadcast().getHostAddress());
        }
        return m;
    }
}
