package org.carp4j.election;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
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
 * addresses, randomness) come through its narrow {@link Segment}.
 */
final class VirtualHost {
    static final long NEVER = Long.MAX_VALUE;
    static final InetAddress GROUP_V6 = VipAddress.Inet.parseLiteral("ff02::12");
    /** Advbase and advskew of the bow-out advert (PROTOCOL.md §3.5). */
    static final int BOW_OUT = 255;
    /** Skew every carp interface advertises while a carpdev is dead and preempt is on. */
    static final int SUPPRESSED_SKEW = 240;
    /** Consecutive failed adverts that demote, and good ones that undo it (FreeBSD, ucarp: 3). */
    static final int SEND_ERRORS = 3;

    private final Segment segment;
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
    /** The last advertisement for this vhid that failed authentication: named when the master times out. */
    /** The source of the last advert for us that failed authentication (a wrong pass, most likely). */
    private final byte[] badAuthSource = new byte[16];
    private int badAuthLength;
    private long badAuthAt;
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
    /** When this MASTER last re-asserted against a less preferred master, or NEVER. */
    private long lastReassert = NEVER;
    private final Damping damping = new Damping();
    /**
     * The administrator just brought this interface into the election (up, a forced state): its
     * first preempt is the consequence of that command, not of the LAN, so it is not damped.
     */
    private boolean adminGrace;
    /** This became MASTER because the master bowed out (255/255). */
    private boolean bowOutTakeover;
    /** One of our periodic adverts has gone out since that takeover (read only with it). */
    private boolean periodicSinceTakeover;
    /** The "less preferred master" warning: once a minute at most, however many re-asserts. */
    private final LogLimiter warnings = new LogLimiter(60 * Interval.SECOND);
    private int sendErrors;
    private int sendSuccesses;
    /** `state init` holds the interface in INIT until the administrator says otherwise. */
    private boolean heldInInit;

    VirtualHost(Segment segment, VhostConfig config) {
        this.segment = segment;
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
        return Math.min(Math.min(Math.min(advertDue, masterDownDue), refreshDue), damping.releaseAt());
    }

    /**
     * How early a master may send an advert when the loop is awake anyway for another interface:
     * 1/64 of the interval, at most 15.6 ms. The advert after it stays due one interval after the
     * due time, not after the send, so a peer sees the period unchanged; what changes is that 255
     * masters on one host wake carpd some tens of times a second, not 255. No other timer goes
     * early: a master-down fires on its time.
     */
    static long advertSlack(long interval) {
        return Math.min(interval, Interval.SECOND) / 64;
    }

    /** Something is due now: a timer, or an advert within its slack. */
    boolean due(long now) {
        return now >= nextDeadline() || (state == CarpState.MASTER && now >= advertDue - advertSlack(interval()));
    }

    private void armRefresh(long now) {
        int every = segment.garpRefresh();
        refreshDue = state == CarpState.MASTER && every > 0 ? now + every * Interval.SECOND : NEVER;
    }

    boolean ownsCounter(long c) {
        return sentAny && c == lastSent;
    }

    /** With net.inet.carp.replay on: false if this authenticated advert replays an older one. */
    boolean fresh(long counter, int advbase, int advskew, long now) {
        return replay.accept(counter, advbase, advskew, now);
    }

    /** The advert's HMAC, read in place from the CARP header at frame[carp..]; allocates nothing. */
    boolean verify(byte[] frame, int carp) {
        CarpHmac.Variant v = segment.strictAuth()
                ? hmac.matchStrictWire(config.vhid(), hashed, frame, carp)
                : hmac.matchWire(config.vhid(), hashed, frame, carp);
        if (v != null) {
            sendForm = v; // answer a peer in the form it uses (differs only with a link-local VIP)
        }
        return v != null;
    }

    /** An advert for us failed authentication; its source is frame[at..at+length) (copied, no allocation). */
    void failedAuthentication(byte[] frame, int at, int length, long now) {
        System.arraycopy(frame, at, badAuthSource, 0, length);
        badAuthLength = length;
        badAuthAt = now;
    }

    /** A master that is heard but fails authentication looks dead: say so, it is likely a wrong pass. */
    private String timedOut(long now) {
        if (badAuthLength > 0 && now - badAuthAt <= masterDown()) {
            String from;
            try {
                from = InetAddress.getByAddress(Arrays.copyOf(badAuthSource, badAuthLength)).getHostAddress();
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError("4 or 16 bytes are always an address", e);
            }
            return "master timed out (advertisements from " + from + " failed authentication: check pass)";
        }
        return "master timed out";
    }

    int effectiveSkew() {
        return segment.suppressing() && config.advskew() < SUPPRESSED_SKEW ? SUPPRESSED_SKEW : config.advskew();
    }

    long interval() {
        return Interval.of(config.advbase(), effectiveSkew());
    }

    /**
     * The backup's own master-down timer: on its own advskew even while link loss makes it
     * advertise 240 (FreeBSD 6 sets the BACKUP timer from sc_advskew), so suppression changes what
     * peers see, not how long this host waits for a dead master.
     */
    long masterDown() {
        return Interval.masterDown(config.advbase(), config.advskew());
    }

    /**
     * "Master will time out": a received interval longer than 3·advbase + own advskew/256 s makes a
     * BACKUP take over at once (OpenBSD, FreeBSD, ucarp; the skew is not tripled). OpenBSD skips the
     * rule at advbase 0; a bow-out (255/255) still counts there.
     */
    boolean willTimeOut(long remote) {
        if (remote == Interval.of(BOW_OUT, BOW_OUT)) {
            return true;
        }
        return config.advbase() != 0
                && remote > Interval.DEAD_RATIO * config.advbase() * Interval.SECOND + config.advskew() * Interval.SKEW_UNIT;
    }

    /**
     * Counts a send result as OpenBSD's carp_send_ad does: +1 when the SEND_ERRORS-th failure in
     * a row starts the demotion, -1 when SEND_ERRORS good adverts in a row end it, else 0.
     */
    int sendResult(boolean ok) {
        if (!ok) {
            sendSuccesses = 0;
            if (sendErrors < Integer.MAX_VALUE) {
                sendErrors++;
            }
            return sendErrors == SEND_ERRORS ? 1 : 0;
        }
        if (sendErrors >= SEND_ERRORS) {
            if (++sendSuccesses >= SEND_ERRORS) {
                sendErrors = 0;
                sendSuccesses = 0;
                return -1;
            }
            return 0;
        }
        sendErrors = 0;
        return 0;
    }

    boolean sendFailing() {
        return sendErrors >= SEND_ERRORS;
    }

    // ---------------------------------------------------------------- transitions

    void becomeBackup(long now, String why, List<Action> out) {
        CarpState from = state;
        if (from == CarpState.MASTER) {
            out.add(new Action.ReleaseAddresses(name(), config.addresses()));
        }
        state = CarpState.BACKUP;
        bowOutTakeover = false;
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
        bowOutTakeover = false;
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
        adminGrace = false;
        bowOutTakeover = false;
        sendErrors = 0; // leaving the election (down, carpdev gone) lifts a send-error demotion
        sendSuccesses = 0;
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

    /** An administrator's command left this interface in BACKUP (see {@link #adminGrace}). */
    void adminJoined() {
        adminGrace = state == CarpState.BACKUP;
    }

    void holdInInit(boolean hold) {
        heldInInit = hold;
    }

    boolean heldInInit() {
        return heldInInit;
    }

    // ---------------------------------------------------------------- events

    void tick(long now, List<Action> out) {
        releaseIfCalm(now, out);
        if (state == CarpState.MASTER && now >= refreshDue) {
            announce(out); // keep switches' and hosts' tables fresh (net.inet.carp.garprefresh)
            int every = segment.garpRefresh();
            refreshDue = every > 0 ? refreshDue + every * Interval.SECOND : NEVER;
        }
        if (state == CarpState.BACKUP && now >= masterDownDue) {
            becomeMaster(now, timedOut(now), out);
        } else if (state == CarpState.MASTER && now >= advertDue - advertSlack(interval())) {
            sendAdverts(config.advbase(), effectiveSkew(), out);
            periodicSinceTakeover = true;
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
        int demoteLocal = segment.demote();
        int demoteRemote = h.demote();
        switch (state) {
            case MASTER -> {
                if (demoteRemote < demoteLocal) {
                    stepDown(now, "master with lower demotion advertised", out);
                } else if (demoteRemote == demoteLocal && local > remote) {
                    stepDown(now, "more frequent advertisement received", out);
                } else if (demoteRemote == demoteLocal && local == remote && sameSource(src)) {
                    // equal in everything the peer and we can both see (carpdevs without IPv4
                    // addresses both advertise from the VIP): no order to agree on, so each side
                    // backs off with probability 1/2, which settles in two rounds on average
                    if (segment.random().nextBoolean()) {
                        stepDown(now, "equal master with the same source address advertised", out);
                    } else {
                        reassert(src, now, out);
                    }
                } else if (demoteRemote == demoteLocal && local == remote && peerWinsTie(src)) {
                    stepDown(now, "equal master with lower address advertised", out);
                } else {
                    reassert(src, now, out);
                }
            }
            case BACKUP -> {
                if (segment.preempt() && local < remote && demoteRemote >= demoteLocal) {
                    takeOver(now, "preempting a slower master", adminGrace, adminGrace, out);
                } else if (demoteRemote > demoteLocal) {
                    takeOver(now, "master is demoted", false, false, out);
                } else if (remote == Interval.of(BOW_OUT, BOW_OUT)) {
                    // a forced handover: never counted; it overrides a hold only when it cannot be
                    // forged (strictauth covers 255/255, replay protection stops a captured one)
                    if (takeOver(now, "master bowed out", true,
                            segment.strictAuth() && segment.replayProtection(), out)) {
                        bowOutTakeover = true;
                        periodicSinceTakeover = false;
                    }
                } else if (willTimeOut(remote)) {
                    takeOver(now, "master advertises slower than our timeout", false, false, out);
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
     * An advert makes this MASTER step down: always allowed, and it counts towards damping unless
     * it ends a forced handover: the master that bowed out came back (an administrator's `up`
     * and preempt). As a returning BACKUP that peer preempts only on one of our periodic adverts;
     * a master that never left (a forged bow-out) answers the takeover advert (or a re-assert) at
     * once, or within its own interval, which is shorter. Counted by advert, not by time: a
     * periodic advert may leave up to its slack early.
     */
    private void stepDown(long now, String why, List<Action> out) {
        boolean handoverEnds = bowOutTakeover && periodicSinceTakeover;
        adminGrace = false;
        becomeBackup(now, why, out);
        if (!handoverEnds) {
            damp(now, out);
        }
    }

    /**
     * An advert would make this BACKUP take over: not while the interface is held for flapping
     * (its master-down timer still runs, so a master that really went away is still replaced),
     * unless overrideHold. A forced takeover (free) does not count towards damping.
     *
     * @return whether it took over
     */
    private boolean takeOver(long now, String why, boolean free, boolean overrideHold, List<Action> out) {
        releaseIfCalm(now, out);
        if (damping.held() && !overrideHold) {
            return false;
        }
        adminGrace = false;
        becomeMaster(now, why, out);
        if (!free) {
            damp(now, out);
        }
        return true;
    }

    private void damp(long now, List<Action> out) {
        if (damping.changed(now) == Damping.Change.HELD) {
            out.add(new Action.Log(Action.Level.ERROR, name(), config.vhid(), "flapping: "
                    + (int) Damping.HOLD + " state changes driven by adverts in a short time; adverts can no longer"
                    + " make this interface MASTER until it calms down (the master-down timer still can)"));
        }
    }

    private void releaseIfCalm(long now, List<Action> out) {
        if (damping.tick(now) == Damping.Change.RELEASED) {
            out.add(new Action.Log(Action.Level.WARNING, name(), config.vhid(),
                    "no longer flapping: adverts may make this interface MASTER again"));
        }
    }

    /**
     * We win a conflict: tell the segment again where the addresses live and let the other master
     * hear us now rather than at our next interval, but at most once per advert interval, so two
     * masters that both think they win cannot answer each other frame for frame (no BSD or ucarp
     * master answers every advert).
     */
    private void reassert(InetAddress src, long now, List<Action> out) {
        if (lastReassert != NEVER && now - lastReassert < interval()) {
            return;
        }
        lastReassert = now;
        String more = warnings.admit(this, now);
        if (more != null) {
            out.add(new Action.Log(Action.Level.WARNING, name(), config.vhid(),
                    "less preferred master " + src.getHostAddress() + " advertising, reasserting" + more));
        }
        sendAdverts(config.advbase(), effectiveSkew(), out);
        announce(out);
    }

    private boolean sameSource(InetAddress peer) {
        return peer.equals(segment.sourceAddress(this, peer instanceof Inet4Address));
    }

    /**
     * Equal interval and demotion: the lower source address stays MASTER. Compared the way ucarp
     * compares s_addr on little-endian hosts (last octet most significant) so a mixed
     * ucarp/carp4j pair agrees on the winner.
     */
    private boolean peerWinsTie(InetAddress peer) {
        InetAddress own = segment.sourceAddress(this, peer instanceof Inet4Address);
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
        InetAddress src = segment.sourceAddress(this, v4);
        if (src == null) {
            out.add(new Action.Log(Action.Level.WARNING, name(), config.vhid(),
                    "no IPv6 address on " + config.carpdev() + " to send the IPv6 advert from"));
            return;
        }
        long c;
        if (segment.replayProtection()) {
            // never go backwards (a guarding peer would drop us), but still follow a peer ahead
            // a first advert follows a peer already heard (PROTOCOL.md §0): a random one would put
            // the peer, which follows us, on a new sequence its own guarding peer takes for a replay
            c = sentAny ? lastSent + 1 : heardPeer ? counter + 1 : segment.random().nextLong();
            if (heardPeer && counter + 1 - c > 0) {
                c = counter + 1;
            }
        } else {
            c = heardPeer ? ++counter : segment.random().nextLong();
        }
        lastSent = c;
        sentAny = true;
        byte[] counterBytes = java.nio.ByteBuffer.allocate(8).putLong(c).array();
        byte[] digest = segment.strictAuth()
                ? hmac.computeStrict(config.vhid(), hashed, counterBytes, sendForm, advbase, advskew, segment.demote())
                : hmac.compute(config.vhid(), hashed, counterBytes, sendForm);
        CarpHeader h = CarpHeader.advertisement(config.vhid(), advbase, advskew, segment.demote(), c, digest);
        // TTL 255 even to a unicast carppeer: OpenBSD drops anything else, routed or not.
        AdvertFrame f = v4
                ? new AdvertFrame(config.peer() == null ? MacAddress.CARP_GROUP_V4
                        : segment.peerMac(config.carpdev(), config.peer()), MacAddress.virtual(config.vhid()), src,
                    config.peer() == null ? VhostConfig.GROUP_V4 : config.peer(), 255, 0x10,
                    segment.random().nextInt(0x10000), h)
                : new AdvertFrame(MacAddress.CARP_GROUP_V6, MacAddress.virtual(config.vhid()), src,
                    GROUP_V6, 255, 0, 0, h);
        segment.countSent(v4);
        out.add(new Action.SendFrame(name(), config.carpdev(), FrameKind.ADVERT, FrameCodec.encode(f)));
    }

    /** Gratuitous ARP for each IPv4 address, unsolicited NA for each IPv6 address. */
    void announce(List<Action> out) {
        MacAddress mac = MacAddress.virtual(config.vhid());
        for (VipAddress a : config.addresses()) {
            if (segment.sharedUnderBalance(this, a.address())) {
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
