package org.carp4j.election;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.carp4j.codec.Announcements;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.DecodeException;
import org.carp4j.codec.DropReason;
import org.carp4j.codec.FrameCodec;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;

/**
 * All of one host's CARP: its carp interfaces, the sysctls, the group demote counter, the state of
 * its carpdevs and the receive path. Pure: time comes in as a parameter (nanoseconds on any
 * monotonic scale), randomness is injected, and every effect goes out as an {@link Action}.
 * Not thread-safe; the daemon drives it from one thread.
 */
public final class CarpEngine {
    static final InetAddress GROUP_V4 = VhostConfig.GROUP_V4;
    static final InetAddress GROUP_V6 = VipAddress.Inet.parseLiteral("ff02::12");
    static final InetAddress ANY_V4 = VipAddress.Inet.parseLiteral("0.0.0.0");

    private final RandomGenerator random;
    private final Map<String, VirtualHost> vhosts = new LinkedHashMap<>();
    private final Map<String, Carpdev> carpdevs = new HashMap<>();
    private final ReceiveStats stats = new ReceiveStats();
    private final Neighbours neighbours = new Neighbours();
    private Sysctls sysctls = Sysctls.DEFAULTS;
    private int demote;
    private boolean suppressing;

    public CarpEngine(RandomGenerator random) {
        this.random = random;
    }

    // ---------------------------------------------------------------- inputs

    /**
     * Makes the running set match the configuration: creates, changes and removes carp
     * interfaces, and takes in the sysctls and the demote counter.
     */
    public List<Action> apply(Collection<VhostConfig> configs, Sysctls newSysctls, int newDemote, long now) {
        List<Action> out = new ArrayList<>();
        boolean timingChanged = newDemote != demote || newSysctls.garprefresh() != sysctls.garprefresh();
        sysctls = newSysctls;
        demote = Math.max(0, Math.min(255, newDemote));
        Map<String, VhostConfig> wanted = new LinkedHashMap<>();
        configs.forEach(c -> wanted.put(c.name(), c));

        for (var it = vhosts.values().iterator(); it.hasNext(); ) {
            VirtualHost v = it.next();
            if (!wanted.containsKey(v.name())) {
                v.becomeInit("interface destroyed", true, out);
                it.remove();
            }
        }
        for (VhostConfig c : wanted.values()) {
            VirtualHost v = vhosts.get(c.name());
            if (v == null) {
                vhosts.put(c.name(), new VirtualHost(this, c));
                continue;
            }
            VhostConfig old = v.config();
            if (old.vhid() != c.vhid() || !Objects.equals(old.carpdev(), c.carpdev())
                    || !old.password().equals(c.password())) {
                v.becomeInit("vhid, carpdev or password changed", true, out);
                v.setConfig(c);
            } else if (!old.addresses().equals(c.addresses())) {
                v.changeAddresses(c, out);
            } else {
                v.setConfig(c);
            }
            if (old.advbase() != c.advbase() || old.advskew() != c.advskew()) {
                v.timingChanged(now, out);
            }
        }
        if (updateSuppression()) {
            timingChanged = true;
        }
        if (timingChanged) {
            vhosts.values().forEach(v -> v.timingChanged(now, out));
        }
        neighbours.want(peers(), now);
        reevaluate(now, out);
        return out;
    }

    /** The unicast peers our interfaces advertise to (carppeer), by carpdev. */
    private Set<Neighbours.Peer> peers() {
        Set<Neighbours.Peer> s = new LinkedHashSet<>();
        for (VirtualHost v : vhosts.values()) {
            VhostConfig c = v.config();
            if (c.up() && c.carpdev() != null && c.peer() != null) {
                s.add(new Neighbours.Peer(c.carpdev(), c.peer()));
            }
        }
        return s;
    }

    /** A carpdev appeared, changed its addresses, or lost or regained its carrier. */
    public List<Action> carpdev(Carpdev info, long now) {
        List<Action> out = new ArrayList<>();
        Carpdev old = carpdevs.put(info.name(), info);
        if (old != null && old.linkUp() != info.linkUp()) {
            out.add(new Action.Log(Action.Level.WARNING, null, 0,
                    info.name() + ": link " + (info.linkUp() ? "up" : "down")));
        }
        if (updateSuppression()) {
            vhosts.values().forEach(v -> v.timingChanged(now, out));
        }
        reevaluate(now, out);
        return out;
    }

    /** Administrator's `state init|backup|master`. */
    public List<Action> forceState(String name, CarpState target, long now) {
        VirtualHost v = vhosts.get(name);
        if (v == null) {
            throw new IllegalArgumentException(name + ": no such interface");
        }
        List<Action> out = new ArrayList<>();
        String why = "state " + target.name().toLowerCase() + " requested";
        switch (target) {
            case INIT -> {
                v.holdInInit(true);
                v.becomeInit(why, true, out);
            }
            case BACKUP, MASTER -> {
                v.holdInInit(false);
                if (!runnable(v)) {
                    reevaluate(now, out);
                    if (v.state() == CarpState.INIT) {
                        throw new IllegalStateException(name + ": cannot leave INIT: " + notRunnableReason(v));
                    }
                }
                if (target == CarpState.MASTER && v.state() != CarpState.MASTER) {
                    v.becomeMaster(now, why, out);
                } else if (target == CarpState.BACKUP && v.state() == CarpState.MASTER) {
                    v.bowOutToBackup(now, why, out);
                } else if (target == CarpState.BACKUP && v.state() == CarpState.INIT) {
                    v.becomeBackup(now, why, out);
                }
            }
        }
        return out;
    }

    /** Graceful stop: every MASTER bows out and releases its addresses. */
    public List<Action> shutdown() {
        List<Action> out = new ArrayList<>();
        vhosts.values().forEach(v -> v.becomeInit("carpd stopping", true, out));
        return out;
    }

    /** Fires every timer that is due. */
    public List<Action> tick(long now) {
        List<Action> out = new ArrayList<>();
        for (VirtualHost v : vhosts.values()) {
            if (v.nextDeadline() <= now) {
                v.tick(now, out);
            }
        }
        if (neighbours.nextDeadline() <= now) {
            neighbours.due(now).forEach((p, unanswered) -> probe(p, unanswered, out, now));
        }
        return out;
    }

    /** ARP for a carppeer from the carpdev's own MAC and address (a probe from 0.0.0.0 without one). */
    private void probe(Neighbours.Peer p, int unanswered, List<Action> out, long now) {
        Carpdev d = carpdevs.get(p.carpdev());
        if (d == null || !d.linkUp()) {
            return;
        }
        InetAddress own = d.firstIPv4().orElse(ANY_V4);
        String forWhom = vhosts.values().stream().filter(v -> p.address().equals(v.config().peer())
                && p.carpdev().equals(v.config().carpdev())).map(VirtualHost::name).findFirst().orElseThrow();
        if (unanswered == 3) {
            // said once: a peer off the segment (or a typo) would otherwise go unnoticed until a failover
            out.add(new Action.Log(Action.Level.WARNING, forWhom, 0, "carppeer " + p.address().getHostAddress()
                    + " does not answer ARP on " + p.carpdev() + " (is it on this segment?); advertising to it by broadcast"));
        }
        out.add(new Action.SendFrame(forWhom, p.carpdev(), Action.FrameKind.ARP_REQUEST,
                Announcements.arpRequest(d.mac(), (Inet4Address) own, (Inet4Address) p.address())));
        neighbours.asked(p, own, d.mac(), now);
    }

    /** Where a carppeer's frames go on Ethernet: its MAC, or broadcast until it answers ARP. */
    MacAddress peerMac(String carpdev, InetAddress peer) {
        MacAddress m = neighbours.mac(carpdev, peer);
        return m == null ? MacAddress.BROADCAST : m;
    }

    /** The earliest time {@link #tick} has work, or Long.MAX_VALUE. */
    public long nextDeadline() {
        long d = neighbours.nextDeadline();
        for (VirtualHost v : vhosts.values()) {
            d = Math.min(d, v.nextDeadline());
        }
        return d;
    }

    /**
     * A frame captured on a carpdev. Checks it in OpenBSD's order, counts every drop by reason,
     * and hands a valid advert to its virtual host.
     */
    public List<Action> receive(String dev, byte[] frame, long now) {
        List<Action> out = new ArrayList<>();
        if (frame != null && frame.length >= 14) {
            stats.received(frame[12] == 0x08 && frame[13] == 0x00);
        }
        try {
            Accepted a = validate(dev, frame);
            stats.accepted();
            if (sysctls.log() >= 2) {
                out.add(new Action.Log(Action.Level.DEBUG, a.vhost().name(), a.carp().vhid(), "advert from "
                        + a.src().getHostAddress() + " advbase " + a.carp().advbase() + " advskew "
                        + a.carp().advskew() + " demote " + a.carp().demote()));
            }
            a.vhost().onAdvert(a.src(), a.carp(), now, out);
        } catch (DecodeException e) {
            stats.dropped(e.reason());
            if (sysctls.log() >= 1) {
                out.add(new Action.Log(Action.Level.INFO, null, 0, dev + ": dropped " + e.getMessage()));
            }
        }
        return out;
    }

    /**
     * An ARP frame captured on a carpdev. One from a carppeer tells us its MAC. A request may also
     * be ours to answer under net.inet.carp.arpbalance (FreeBSD 6): carp interfaces on one carpdev
     * that share an address split the requests for it. The request is answered by the interface at
     * index (requester's IPv4 address as a number) mod (how many running interfaces hold the
     * address), in vhid order, and only if that interface is MASTER here; the kernel stays silent.
     */
    public List<Action> arp(String dev, byte[] frame, long now) {
        Optional<Announcements.Arp> parsed = Announcements.parseArp(frame);
        if (parsed.isEmpty()) {
            return List.of();
        }
        Announcements.Arp arp = parsed.get();
        List<Action> out = new ArrayList<>();
        Neighbours.Heard heard = neighbours.heard(dev, arp, now);
        String peer = "carppeer " + arp.senderIp().getHostAddress();
        switch (heard.outcome()) {
            case LEARNED -> out.add(new Action.Log(Action.Level.INFO, null, 0, peer + " is at " + heard.mac()
                    + " on " + dev));
            case CONFLICT -> out.add(new Action.Log(Action.Level.WARNING, null, 0, peer
                    + " answered ARP from two Ethernet addresses on " + dev + " (" + heard.first() + " and "
                    + heard.second() + "); " + (heard.mac() == null ? "advertising to it by broadcast"
                    : "keeping " + heard.mac())));
            case ASK -> neighbours.due(now).forEach((p, unanswered) -> probe(p, unanswered, out, now));
            case NOTHING -> {
            }
        }
        if (!arp.request() || sysctls.arpbalance() == 0) {
            return out;
        }
        List<VirtualHost> holders = balanced(dev, arp.targetIp());
        if (holders.isEmpty()) {
            return out;
        }
        long index = Integer.toUnsignedLong(VipAddress.Inet.toInt(arp.senderIp())) % holders.size();
        VirtualHost chosen = holders.get((int) index);
        if (chosen.state() == CarpState.MASTER) {
            byte[] reply = Announcements.arpReply(MacAddress.virtual(chosen.config().vhid()),
                    arp.targetIp(), arp.senderMac(), arp.senderIp());
            out.add(new Action.SendFrame(chosen.name(), dev, Action.FrameKind.ARP_REPLY, reply));
        }
        return out;
    }

    /** Running carp interfaces on dev holding address, in vhid order. */
    List<VirtualHost> balanced(String dev, InetAddress address) {
        return vhosts.values().stream()
                .filter(v -> v.state() != CarpState.INIT && dev.equals(v.config().carpdev())
                        && v.config().addresses().stream().anyMatch(a -> a.address().equals(address)))
                .sorted(java.util.Comparator.comparingInt(v -> v.config().vhid()))
                .toList();
    }

    /** With arpbalance on, an address shared by several carp interfaces is never announced: a
     * gratuitous ARP would pull every client to one MAC and undo the balance. */
    boolean sharedUnderBalance(VirtualHost v, InetAddress address) {
        return sysctls.arpbalance() != 0 && vhosts.values().stream()
                .filter(o -> o != v && v.config().carpdev() != null && v.config().carpdev().equals(o.config().carpdev()))
                .anyMatch(o -> o.config().addresses().stream().anyMatch(a -> a.address().equals(address)));
    }

    private record Accepted(VirtualHost vhost, InetAddress src, CarpHeader carp) {
    }

    private Accepted validate(String dev, byte[] frame) throws DecodeException {
        if (sysctls.allow() == 0) {
            throw new DecodeException(DropReason.NOT_ALLOWED, "net.inet.carp.allow=0");
        }
        FrameCodec.IpView ip = FrameCodec.readIp(frame);
        if (ip.ttl() != 255) {
            throw new DecodeException(DropReason.BAD_TTL, () -> "TTL " + ip.ttl() + " from " + ip.src().getHostAddress());
        }
        CarpHeader h = ip.carp();
        if (!h.checksumValid()) {
            throw new DecodeException(DropReason.BAD_CHECKSUM, () -> "from " + ip.src().getHostAddress());
        }
        VirtualHost v = find(dev, h.vhid())
                .orElseThrow(() -> new DecodeException(DropReason.UNKNOWN_VHID,
                        () -> "vhid " + h.vhid() + " from " + ip.src().getHostAddress()));
        if (h.version() != CarpHeader.VERSION) {
            throw new DecodeException(DropReason.BAD_VERSION,
                    () -> "version " + h.version() + " from " + ip.src().getHostAddress());
        }
        if (!v.verify(h)) {
            throw new DecodeException(DropReason.BAD_AUTH, () -> "vhid " + h.vhid() + " from "
                    + ip.src().getHostAddress() + " (check vhid, password and addresses)");
        }
        Carpdev cd = carpdevs.get(dev);
        if (v.ownsCounter(h.counter()) || (cd != null && cd.owns(ip.src()))) {
            throw new DecodeException(DropReason.LOOP, () -> "vhid " + h.vhid() + " from " + ip.src().getHostAddress());
        }
        if (sysctls.replay() != 0 && !v.freshFrom(ip.src(), h.counter())) {
            throw new DecodeException(DropReason.REPLAY, () -> "vhid " + h.vhid() + " from " + ip.src().getHostAddress()
                    + " counter " + Long.toUnsignedString(h.counter()));
        }
        return new Accepted(v, ip.src(), h);
    }

    private Optional<VirtualHost> find(String dev, int vhid) {
        for (VirtualHost v : vhosts.values()) {
            if (v.config().vhid() == vhid && v.state() != CarpState.INIT && dev.equals(v.config().carpdev())) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- reconciliation

    private void reevaluate(long now, List<Action> out) {
        for (VirtualHost v : vhosts.values()) {
            if (runnable(v)) {
                if (v.state() == CarpState.INIT) {
                    v.becomeBackup(now, "interface up", out);
                }
            } else if (v.state() != CarpState.INIT) {
                v.becomeInit(notRunnableReason(v), !v.config().up(), out);
            }
        }
    }

    private boolean runnable(VirtualHost v) {
        return notRunnableReason(v) == null;
    }

    private String notRunnableReason(VirtualHost v) {
        VhostConfig c = v.config();
        if (!c.up()) {
            return "interface down";
        }
        if (v.heldInInit()) {
            return "held in INIT by administrator";
        }
        if (c.vhid() == 0) {
            return "no vhid";
        }
        if (c.carpdev() == null) {
            return "no carpdev";
        }
        if (c.addresses().isEmpty()) {
            return "no addresses";
        }
        Carpdev d = carpdevs.get(c.carpdev());
        if (d == null) {
            return "carpdev " + c.carpdev() + " not present";
        }
        if (!d.linkUp()) {
            return "carpdev " + c.carpdev() + " link down";
        }
        return null;
    }

    /**
     * FreeBSD's group failover: with preempt on, one carpdev without carrier makes every carp
     * interface advertise advskew 240, so a preempting peer takes all groups over together.
     */
    private boolean updateSuppression() {
        boolean now = sysctls.preempt() != 0 && vhosts.values().stream()
                .filter(v -> v.config().up())
                .map(v -> v.config().carpdev())
                .filter(Objects::nonNull)
                .map(carpdevs::get)
                .anyMatch(d -> d != null && !d.linkUp());
        boolean changed = now != suppressing;
        suppressing = now;
        return changed;
    }

    // ---------------------------------------------------------------- for VirtualHost

    boolean suppressing() {
        return suppressing;
    }

    int garpRefresh() {
        return sysctls.garprefresh();
    }

    boolean replayProtection() {
        return sysctls.replay() != 0;
    }

    boolean preempt() {
        return sysctls.preempt() != 0;
    }

    int demote() {
        return demote;
    }

    RandomGenerator random() {
        return random;
    }

    void countSent(boolean v4) {
        stats.sent(v4);
    }

    /** Source of our adverts: the carpdev's own address, else the group's first address. */
    InetAddress sourceAddress(VirtualHost v, boolean v4) {
        Carpdev d = carpdevs.get(v.config().carpdev());
        Optional<InetAddress> own = d == null ? Optional.empty() : v4 ? d.firstIPv4() : d.linkLocalIPv6();
        return own.orElseGet(() -> v.config().addresses().stream().map(VipAddress::address)
                .filter(a -> v4 == (a instanceof java.net.Inet4Address)).findFirst().orElse(null));
    }

    // ---------------------------------------------------------------- views

    public CarpState state(String name) {
        VirtualHost v = vhosts.get(name);
        return v == null ? null : v.state();
    }

    public ReceiveStats stats() {
        return stats;
    }

    public Sysctls sysctls() {
        return sysctls;
    }

    /** For monitoring: whether this interface's carppeer has answered ARP (false without a carppeer). */
    public boolean peerResolved(String name) {
        VirtualHost v = vhosts.get(name);
        return v != null && v.config().peer() != null && v.config().carpdev() != null
                && neighbours.resolved(new Neighbours.Peer(v.config().carpdev(), v.config().peer()));
    }
}
