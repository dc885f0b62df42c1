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
    static final InetAddress ANY_V4 = VipAddress.Inet.parseLiteral("0.0.0.0");
    /** Failed adverts in a row that demote the host by 1, and good ones in a row that lift it. */
    public static final int SEND_ERRORS = VirtualHost.SEND_ERRORS;

    private final RandomGenerator random;
    private final Map<String, VirtualHost> vhosts = new LinkedHashMap<>();
    /** vhosts' values, for the per-frame lookup and the per-wake-up deadline without an iterator. */
    private VirtualHost[] all = new VirtualHost[0];
    private final Map<String, Carpdev> carpdevs = new HashMap<>();
    private final ReceivePath receivePath = new ReceivePath(new ReceivePath.Hosts() {
        @Override
        public Sysctls sysctls() {
            return sysctls;
        }

        @Override
        public VirtualHost find(String dev, int vhid) {
            return CarpEngine.this.find(dev, vhid);
        }

        @Override
        public boolean ownSource(String dev, VirtualHost v, InetAddress src) {
            return CarpEngine.this.ownSource(dev, v, src);
        }
    });
    private final Neighbours neighbours = new Neighbours();
    private final Segment segment = new HostSegment();
    private final ArpBalance balance = new ArpBalance(vhosts.values());
    private Sysctls sysctls = Sysctls.DEFAULTS;
    /**
     * {@link #nextDeadline}'s answer, or {@link #UNKNOWN} once anything may have moved a timer:
     * every input below forgets it, so the loop scans the interfaces once per wake-up, not once per
     * task it runs.
     */
    private long deadline = UNKNOWN;
    private static final long UNKNOWN = Long.MIN_VALUE;
    private int demote;
    private boolean suppressing;
    private String suppressedBy;

    public CarpEngine(RandomGenerator random) {
        this.random = random;
    }

    // ---------------------------------------------------------------- inputs

    /**
     * Makes the running set match the configuration: creates, changes and removes carp
     * interfaces, and takes in the sysctls and the demote counter.
     */
    public List<Action> apply(Collection<VhostConfig> configs, Sysctls newSysctls, int newDemote, long now) {
        deadline = UNKNOWN;
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
        all = vhosts.values().toArray(new VirtualHost[0]); // the demote byte counts only those that remain
        for (VhostConfig c : wanted.values()) {
            VirtualHost v = vhosts.get(c.name());
            if (v == null) {
                vhosts.put(c.name(), new VirtualHost(segment, c));
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
        all = vhosts.values().toArray(new VirtualHost[0]);
        if (updateSuppression(out)) {
            timingChanged = true;
        }
        if (timingChanged) {
            vhosts.values().forEach(v -> v.timingChanged(now, out));
        }
        neighbours.want(peers(), now);
        Set<VirtualHost> wereInit = new LinkedHashSet<>();
        vhosts.values().stream().filter(v -> v.state() == CarpState.INIT).forEach(wereInit::add);
        reevaluate(now, out);
        wereInit.forEach(VirtualHost::adminJoined); // `up` or a new interface: its first preempt is not damped
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
        deadline = UNKNOWN;
        List<Action> out = new ArrayList<>();
        Carpdev old = carpdevs.put(info.name(), info);
        if (old != null && old.linkUp() != info.linkUp()) {
            out.add(new Action.Log(Action.Level.WARNING, null, 0,
                    info.name() + ": link " + (info.linkUp() ? "up" : "down")));
        }
        if (updateSuppression(out)) {
            vhosts.values().forEach(v -> v.timingChanged(now, out));
        }
        reevaluate(now, out);
        return out;
    }

    /**
     * What became of an advert the daemon tried to send for carp interface ifname. Three failures
     * in a row demote the host by 1 (OpenBSD's "> snderrors") and, with preempt, suppress like a
     * dead link (FreeBSD 6's send-error suppression): an unheard master must yield to the backup
     * that timed it out. Three good adverts in a row undo both.
     */
    public List<Action> sent(String ifname, boolean ok, long now) {
        deadline = UNKNOWN;
        VirtualHost v = vhosts.get(ifname);
        if (v == null) {
            return List.of();
        }
        int change = v.sendResult(ok);
        if (change == 0) {
            return List.of();
        }
        List<Action> out = new ArrayList<>();
        out.add(new Action.Log(Action.Level.ERROR, ifname, v.config().vhid(), change > 0
                ? "demoted by 1 (" + VirtualHost.SEND_ERRORS + " consecutive send errors on " + v.config().carpdev() + ")"
                : "demotion by send errors lifted (" + VirtualHost.SEND_ERRORS + " good adverts)"));
        updateSuppression(out);
        vhosts.values().forEach(o -> o.timingChanged(now, out)); // masters tell peers at once
        return out;
    }

    /** Administrator's `state init|backup|master`. */
    public List<Action> forceState(String name, CarpState target, long now) {
        deadline = UNKNOWN;
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
                v.adminJoined();
            }
        }
        return out;
    }

    /** Graceful stop: every MASTER bows out and releases its addresses. */
    public List<Action> shutdown() {
        deadline = UNKNOWN;
        List<Action> out = new ArrayList<>();
        vhosts.values().forEach(v -> v.becomeInit("carpd stopping", true, out));
        return out;
    }

    /** Fires every timer that is due. */
    public List<Action> tick(long now) {
        deadline = UNKNOWN;
        List<Action> out = new ArrayList<>();
        for (VirtualHost v : all) {
            if (v.due(now)) { // an advert due within its slack goes out on this wake-up too
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

    /** The earliest time {@link #tick} has work, or Long.MAX_VALUE. */
    public long nextDeadline() {
        if (deadline == UNKNOWN) {
            deadline = scanDeadline();
        }
        return deadline;
    }

    /** The earliest timer of all, looked at now (the tests hold nextDeadline to it after every input). */
    long scanDeadline() {
        long d = neighbours.nextDeadline();
        for (VirtualHost v : all) {
            d = Math.min(d, v.nextDeadline());
        }
        return d;
    }

    /** A frame captured on a carpdev: see {@link ReceivePath}. */
    public List<Action> receive(String dev, byte[] frame, long now) {
        deadline = UNKNOWN;
        return receivePath.receive(dev, frame, now);
    }

    /** frame[0..length) captured on a carpdev, in a buffer the caller reuses once this returns. */
    public List<Action> receive(String dev, byte[] frame, int length, long now) {
        deadline = UNKNOWN;
        return receivePath.receive(dev, frame, length, now);
    }

    /**
     * An ARP frame captured on a carpdev. One from a carppeer tells us its MAC. A request may also
     * be ours to answer under net.inet.carp.arpbalance (see {@link ArpBalance}).
     */
    public List<Action> arp(String dev, byte[] frame, long now) {
        deadline = UNKNOWN;
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
        if (arp.request() && sysctls.arpbalance() != 0) {
            balance.answer(dev, arp).ifPresent(out::add);
        }
        return out;
    }

    private boolean ownSource(String dev, VirtualHost v, InetAddress src) {
        Carpdev cd = carpdevs.get(dev);
        return (cd != null && cd.owns(src)) || src.equals(sourceAddress(v, src instanceof Inet4Address));
    }

    private VirtualHost find(String dev, int vhid) {
        for (VirtualHost v : all) {
            if (v.config().vhid() == vhid && v.state() != CarpState.INIT && dev.equals(v.config().carpdev())) {
                return v;
            }
        }
        return null;
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
    private boolean updateSuppression(List<Action> out) {
        String why = null;
        if (sysctls.preempt() != 0) {
            why = vhosts.values().stream()
                    .filter(v -> v.config().up())
                    .map(v -> v.config().carpdev())
                    .filter(Objects::nonNull)
                    .filter(n -> carpdevs.get(n) != null && !carpdevs.get(n).linkUp())
                    .findFirst().map(n -> "carpdev " + n + " link down")
                    .or(() -> vhosts.values().stream().filter(VirtualHost::sendFailing).findFirst()
                            .map(v -> "send errors on " + v.config().carpdev()))
                    .orElse(null);
        }
        boolean now = why != null;
        boolean changed = now != suppressing;
        if (!Objects.equals(why, suppressedBy)) {
            // the display, the JSON and the metrics say it too; the log says when
            out.add(new Action.Log(Action.Level.WARNING, null, 0, why != null
                    ? "every carp interface advertises advskew " + VirtualHost.SUPPRESSED_SKEW + " (demoted: " + why + ")"
                    : "demotion lifted: carp interfaces advertise their own advskew again"));
        }
        suppressing = now;
        suppressedBy = why;
        return changed;
    }

    /** Why every carp interface advertises advskew 240 (a dead carpdev, send errors, with preempt), or null. */
    public String demotion() {
        return suppressedBy;
    }

    /** The advskew this interface advertises now: its own, or 240 while the host is demoted. */
    public int advskewSent(String name) {
        VirtualHost v = vhosts.get(name);
        return v == null ? 0 : v.effectiveSkew();
    }

    // ---------------------------------------------------------------- for VirtualHost

    /** The demote byte we advertise: the configured counter plus 1 per interface failing to send. */
    private int demote() {
        int failing = 0;
        for (VirtualHost v : all) { // per advert sent: no stream, no iterator
            if (v.sendFailing()) {
                failing++;
            }
        }
        return (int) Math.min(255, demote + failing);
    }

    /** Source of our adverts: the carpdev's own address, else the group's first address. */
    private InetAddress sourceAddress(VirtualHost v, boolean v4) {
        Carpdev d = carpdevs.get(v.config().carpdev());
        Optional<InetAddress> own = d == null ? Optional.empty() : v4 ? d.firstIPv4() : d.linkLocalIPv6();
        return own.orElseGet(() -> v.config().addresses().stream().map(VipAddress::address)
                .filter(a -> v4 == (a instanceof java.net.Inet4Address)).findFirst().orElse(null));
    }

    /** All a VirtualHost may ask of this host (see {@link Segment}). */
    private final class HostSegment implements Segment {
        @Override
        public boolean suppressing() {
            return suppressing;
        }

        @Override
        public int garpRefresh() {
            return sysctls.garprefresh();
        }

        @Override
        public boolean replayProtection() {
            return sysctls.replay() != 0;
        }

        @Override
        public boolean preempt() {
            return sysctls.preempt() != 0;
        }

        @Override
        public boolean strictAuth() {
            return sysctls.strictauth() == 1;
        }

        @Override
        public int demote() {
            return CarpEngine.this.demote();
        }

        @Override
        public RandomGenerator random() {
            return random;
        }

        @Override
        public InetAddress sourceAddress(VirtualHost v, boolean v4) {
            return CarpEngine.this.sourceAddress(v, v4);
        }

        @Override
        public MacAddress peerMac(String carpdev, InetAddress peer) {
            MacAddress m = neighbours.mac(carpdev, peer);
            return m == null ? MacAddress.BROADCAST : m;
        }

        @Override
        public boolean sharedUnderBalance(VirtualHost v, InetAddress address) {
            return sysctls.arpbalance() != 0 && balance.shared(v, address);
        }

        @Override
        public void countSent(boolean v4) {
            receivePath.stats().sent(v4);
        }
    }

    // ---------------------------------------------------------------- views

    public CarpState state(String name) {
        VirtualHost v = vhosts.get(name);
        return v == null ? null : v.state();
    }

    public ReceiveStats stats() {
        return receivePath.stats();
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
