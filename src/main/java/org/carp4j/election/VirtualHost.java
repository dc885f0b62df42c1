package org.carp4j.election;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.codec.Announcements;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.CarpHmac;
import org.carp4j.codec.FrameCodec;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.Action.FrameKind;

/**
 * One carp interface's state machine (OpenBSD's carp_softc): state, the advert and master-down
 * timers, and the counter. Host-wide inputs (preempt, demotion, link suppression, the carpdev's
 * addresses, randomness) come from the owning {@link CarpEngine}.
 */
final class VirtualHost {
    static final long NEVER = Long.MAX_VALUE;
    /** Advbase and advskew of the bow-out advert (PROTOCOL.md §3.5). */
    static final int BOW_OUT = 255;
    /** Skew every carp interface advertises while a carpdev is dead and preempt is on. */
    static final int SUPPRESSED_SKEW = 240;

    private final CarpEngine engine;
    private VhostConfig config;
    private List<InetAddress> hashed;
    private CarpHmac.Keyed hmac;
    /**
     * With an IPv6 link-local VIP the BSDs disagree: OpenBSD sends and accepts the digest without
     * link-locals (or one with its own automatic link-local, which we cannot know), FreeBSD only the
     * one with them. We send OpenBSD's until a peer is heard using FreeBSD's.
     */
    private CarpHmac.Variant sendForm = CarpHmac.Variant.WITHOUT_LINK_LOCAL;
    private CarpState state = CarpState.INIT;
    private long advertDue = NEVER;
    private long masterDownDue = NEVER;
    /** Next periodic re-announcement while MASTER (net.inet.carp.garprefresh), or NEVER. */
    private long refreshDue = NEVER;
    /** Adverts still to send before the delayed second gratuitous ARP (0 = none pending). */
    private int delayedAnnounce;
    /** ucarp/FreeBSD counter: random until a peer is heard, then the peer's value + 1, + 1, ... */
    private boolean heardPeer;
    private long counter;
    private long lastSent;
    private boolean sentAny;
    private final ReplayGuard replay = new ReplayGuard();
    /** `state init` holds the interface in INIT until the administrator says otherwise. */
    private boolean heldInInit;

    VirtualHost(CarpEngine engine, VhostConfig config) {
        this.engine = engine;
        setConfig(config);
    }

    void setConfig(VhostConfig c) {
        this.config = c;
        this.hashed = c.addresses().stream().map(VipAddress::address).toList();
        this.hmac = new CarpHmac.Keyed(c.key());
    }

    VhostConfig config() {
        return config;
    }

    CarpState state() {
        return state;
    }

    String name() {
        return config.name();
    }

    long nextDeadline() {
        return Math.min(Math.min(advertDue, masterDownDue), refreshDue);
    }

    private void armRefresh(long now) {
        int every = engine.garpRefresh();
        refreshDue = state == CarpState.MASTER && every > 0 ? now + every * Interval.SECOND : NEVER;
    }

    boolean ownsCounter(long c) {
        return sentAny && c == lastSent;
    }

    /** With net.inet.carp.replay on: false if this authenticated advert replays an older one. */
    boolean freshFrom(InetAddress src, long c) {
        return replay.accept(src, c);
    }

    boolean verify(CarpHeader h) {
        CarpHmac.Variant v = engine.sysctls().strictauth() == 1
                ? hmac.matchStrict(config.vhid(), hashed, h.counterBytes(), h.advbase(), h.advskew(), h.demote(), h.hmac())
                : hmac.match(config.vhid(), hashed, h.counterBytes(), h.hmac());
        if (v != null) {
            sendForm = v; // answer a peer in the form it uses (differs only with a link-local VIP)
        }
        return v != null;
    }

    int effectiveSkew() {
        return engine.suppressing() && config.advskew() < SUPPRESSED_SKEW ? SUPPRESSED_SKEW : config.advskew();
    }

    long interval() {
        return Interval.of(config.advbase(), effectiveSkew());
    }

    long masterDown() {
        return Interval.masterDown(config.advbase(), effectiveSkew());
    }

    // ---------------------------------------------------------------- transitions

    void becomeBackup(long now, String why, List<Action> out) {
        CarpState from = state;
        if (from == CarpState.MASTER) {
            out.add(new Action.ReleaseAddresses(name(), config.addresses()));
        }
        state = CarpState.BACKUP;
        advertDue = NEVER;
        refreshDue = NEVER;
        delayedAnnounce = 0;
        masterDownDue = now + masterDown();
        if (from != CarpState.BACKUP) {
            out.add(new Action.StateChange(name(), config.vhid(), from, CarpState.BACKUP, why));
        }
    }

    void becomeMaster(long now, String why, List<Action> out) {
        CarpState from = state;
        state = CarpState.MASTER;
        masterDownDue = NEVER;
        out.add(new Action.StateChange(name(), config.vhid(), from, CarpState.MASTER, why));
        out.add(new Action.TakeAddresses(name(), config.addresses()));
        sendAdverts(config.advbase(), effectiveSkew(), out);
        announce(out);
        delayedAnnounce = 2;
        advertDue = now + interval();
        armRefresh(now);
    }

    /** Leaves the election: a MASTER first bows out so peers take over at once. */
    void becomeInit(String why, boolean bowOut, List<Action> out) {
        CarpState from = state;
        if (from == CarpState.MASTER) {
            if (bowOut) {
                sendAdverts(BOW_OUT, BOW_OUT, out);
            }
            out.add(new Action.ReleaseAddresses(name(), config.addresses()));
        }
        state = CarpState.INIT;
        advertDue = NEVER;
        refreshDue = NEVER;
        masterDownDue = NEVER;
        delayedAnnounce = 0;
        if (from != CarpState.INIT) {
            out.add(new Action.StateChange(name(), config.vhid(), from, CarpState.INIT, why));
        }
    }

    /** Forced `state backup` from MASTER: bow out so a peer takes over now, then listen. */
    void bowOutToBackup(long now, String why, List<Action> out) {
        if (state == CarpState.MASTER) {
            sendAdverts(BOW_OUT, BOW_OUT, out);
        }
        becomeBackup(now, why, out);
    }

    void holdInInit(boolean hold) {
        heldInInit = hold;
    }

    boolean heldInInit() {
        return heldInInit;
    }

    // ---------------------------------------------------------------- events

    void tick(long now, List<Action> out) {
        if (state == CarpState.MASTER && now >= refreshDue) {
            announce(out); // keep switches' and hosts' tables fresh (net.inet.carp.garprefresh)
            int every = engine.garpRefresh();
            refreshDue = every > 0 ? refreshDue + every * Interval.SECOND : NEVER;
        }
        if (state == CarpState.BACKUP && now >= masterDownDue) {
            becomeMaster(now, "master timed out", out);
        } else if (state == CarpState.MASTER && now >= advertDue) {
            sendAdverts(config.advbase(), effectiveSkew(), out);
            if (delayedAnnounce > 0 && --delayedAnnounce == 0) {
                announce(out); // the delayed GARP, for switches that missed the first
            }
            long next = advertDue + interval();
            advertDue = next > now ? next : now + interval();
        }
    }

    /** A valid advert for our vhid (already authenticated by the receive path). */
    void onAdvert(InetAddress src, CarpHeader h, long now, List<Action> out) {
        heardPeer = true;
        counter = h.counter();
        long local = interval();
        long remote = Interval.of(h.advbase(), h.advskew());
        int demoteLocal = engine.demote();
        int demoteRemote = h.demote();
        switch (state) {
            case MASTER -> {
                if (demoteRemote < demoteLocal) {
                    becomeBackup(now, "master with lower demotion advertised", out);
                } else if (demoteRemote == demoteLocal && local > remote) {
                    becomeBackup(now, "more frequent advertisement received", out);
                } else if (demoteRemote == demoteLocal && local == remote && peerWinsTie(src)) {
                    becomeBackup(now, "equal master with lower address advertised", out);
                } else {
                    // We win the conflict: tell the segment again where the addresses live and
                    // let the other master hear us now rather than at our next interval.
                    out.add(new Action.Log(Action.Level.WARNING, name(), config.vhid(),
                            "less preferred master " + src.getHostAddress() + " advertising, reasserting"));
                    sendAdverts(config.advbase(), effectiveSkew(), out);
                    announce(out);
                }
            }
            case BACKUP -> {
                if (engine.preempt() && local < remote && demoteRemote >= demoteLocal) {
                    becomeMaster(now, "preempting a slower master", out);
                } else if (demoteRemote > demoteLocal) {
                    becomeMaster(now, "master is demoted", out);
                } else if (remote > masterDown()) {
                    becomeMaster(now, remote == Interval.of(BOW_OUT, BOW_OUT)
                            ? "master bowed out" : "master advertises slower than our timeout", out);
                } else {
                    masterDownDue = now + masterDown();
                }
            }
            case INIT -> {
                // not taking part
            }
        }
    }

    /**
     * Equal interval and demotion: the lower source address stays MASTER. Compared the way ucarp
     * compares s_addr on little-endian hosts (last octet most significant) so a mixed
     * ucarp/carp4j pair agrees on the winner.
     */
    private boolean peerWinsTie(InetAddress peer) {
        InetAddress own = engine.sourceAddress(this, peer instanceof Inet4Address);
        if (own == null) {
            return true;
        }
        return compareLittleEndian(peer.getAddress(), own.getAddress()) < 0;
    }

    static int compareLittleEndian(byte[] a, byte[] b) {
        for (int i = Math.min(a.length, b.length) - 1; i >= 0; i--) {
            int c = Integer.compare(a[i] & 0xff, b[i] & 0xff);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.length, b.length);
    }

    // ---------------------------------------------------------------- output

    /** One advert per address family the group has (BSD sends v4 and v6 separately). */
    void sendAdverts(int advbase, int advskew, List<Action> out) {
        boolean v4 = config.addresses().stream().anyMatch(VipAddress::isIPv4);
        boolean v6 = config.addresses().stream().anyMatch(a -> !a.isIPv4());
        if (v4) {
            sendAdvert(true, advbase, advskew, out);
        }
        if (v6) {
            sendAdvert(false, advbase, advskew, out);
        }
    }

    private void sendAdvert(boolean v4, int advbase, int advskew, List<Action> out) {
        InetAddress src = engine.sourceAddress(this, v4);
        if (src == null) {
            out.add(new Action.Log(Action.Level.WARNING, name(), config.vhid(),
                    "no IPv6 address on " + config.carpdev() + " to send the IPv6 advert from"));
            return;
        }
        long c;
        if (engine.replayProtection()) {
            // never go backwards (a guarding peer would drop us), but still follow a peer ahead
            c = sentAny ? lastSent + 1 : engine.random().nextLong();
            if (heardPeer && counter + 1 - c > 0) {
                c = counter + 1;
            }
        } else {
            c = heardPeer ? ++counter : engine.random().nextLong();
        }
        lastSent = c;
        sentAny = true;
        byte[] counterBytes = java.nio.ByteBuffer.allocate(8).putLong(c).array();
        byte[] digest = engine.sysctls().strictauth() == 1
                ? hmac.computeStrict(config.vhid(), hashed, counterBytes, sendForm, advbase, advskew, engine.demote())
                : hmac.compute(config.vhid(), hashed, counterBytes, sendForm);
        CarpHeader h = CarpHeader.advertisement(config.vhid(), advbase, advskew, engine.demote(), c, digest);
        // TTL 255 even to a unicast carppeer: OpenBSD drops anything else, routed or not.
        AdvertFrame f = v4
                ? new AdvertFrame(config.peer() == null ? MacAddress.CARP_GROUP_V4
                        : engine.peerMac(config.carpdev(), config.peer()), MacAddress.virtual(config.vhid()), src,
                    config.peer() == null ? CarpEngine.GROUP_V4 : config.peer(), 255, 0x10,
                    engine.random().nextInt(0x10000), h)
                : new AdvertFrame(MacAddress.CARP_GROUP_V6, MacAddress.virtual(config.vhid()), src,
                    CarpEngine.GROUP_V6, 255, 0, 0, h);
        engine.countSent(v4);
        out.add(new Action.SendFrame(name(), config.carpdev(), FrameKind.ADVERT, FrameCodec.encode(f)));
    }

    /** Gratuitous ARP for each IPv4 address, unsolicited NA for each IPv6 address. */
    void announce(List<Action> out) {
        MacAddress mac = MacAddress.virtual(config.vhid());
        for (VipAddress a : config.addresses()) {
            if (engine.sharedUnderBalance(this, a.address())) {
                continue;
            }
            if (a.address() instanceof Inet4Address v4) {
                out.add(new Action.SendFrame(name(), config.carpdev(), FrameKind.GARP,
                        Announcements.gratuitousArp(mac, v4)));
            } else if (a.address() instanceof Inet6Address v6) {
                out.add(new Action.SendFrame(name(), config.carpdev(), FrameKind.NEIGHBOR_ADVERT,
                        Announcements.unsolicitedNeighborAdvert(mac, v6)));
            }
        }
    }

    /** Addresses changed while MASTER: hand over the difference and announce the new ones. */
    void changeAddresses(VhostConfig next, List<Action> out) {
        List<VipAddress> gone = new ArrayList<>(config.addresses());
        gone.removeAll(next.addresses());
        List<VipAddress> added = new ArrayList<>(next.addresses());
        added.removeAll(config.addresses());
        setConfig(next);
        if (state == CarpState.MASTER) {
            if (!gone.isEmpty()) {
                out.add(new Action.ReleaseAddresses(name(), gone));
            }
            if (!added.isEmpty()) {
                out.add(new Action.TakeAddresses(name(), added));
                announce(out);
            }
        }
    }

    /** advbase/advskew/demotion changed: re-arm timers, and tell peers at once if MASTER. */
    void timingChanged(long now, List<Action> out) {
        armRefresh(now);
        if (state == CarpState.MASTER) {
            sendAdverts(config.advbase(), effectiveSkew(), out);
            advertDue = now + interval();
        } else if (state == CarpState.BACKUP) {
            masterDownDue = now + masterDown();
        }
    }
}
