package org.carp4j.election;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.DecodeException;
import org.carp4j.codec.DropReason;
import org.carp4j.codec.FrameCodec;
import org.carp4j.config.Sysctls;

/**
 * The receive path: checks a captured frame in OpenBSD's carp_input order (allow, TTL, length and
 * checksum, vhid, version, HMAC, loop, replay), counts every packet and every drop by reason, and
 * hands a valid advert to its virtual host.
 */
final class ReceivePath {

    /** What the receive path needs to know about the host's carp interfaces. */
    interface Hosts {
        Sysctls sysctls();

        /** The running carp interface with this vhid on this carpdev. */
        Optional<VirtualHost> find(String dev, int vhid);

        /** Whether src is where our own adverts for v come from (the carpdev's or the fallback source). */
        boolean ownSource(String dev, VirtualHost v, InetAddress src);
    }

    private final Hosts hosts;
    private final ReceiveStats stats = new ReceiveStats();
    /** net.inet.carp.log=1: one line per drop reason per second; the counters count them all. */
    private final LogLimiter dropLines = new LogLimiter(Interval.SECOND);
    /**
     * Bad authentication at every log level, once a minute per source and vhid: a wrong password
     * splits the brain (both MASTER), and the drop counter alone says nothing at log 0.
     */
    private final LogLimiter badAuthLines = new LogLimiter(60 * Interval.SECOND, 64);

    ReceivePath(Hosts hosts) {
        this.hosts = hosts;
    }

    ReceiveStats stats() {
        return stats;
    }

    List<Action> receive(String dev, byte[] frame, long now) {
        List<Action> out = new ArrayList<>();
        if (frame != null && frame.length >= 14) {
            stats.received(frame[12] == 0x08 && frame[13] == 0x00);
        }
        Sysctls sysctls = hosts.sysctls();
        try {
            Accepted a = validate(dev, frame, now);
            stats.accepted();
            if (sysctls.log() >= 2) {
                out.add(new Action.Log(Action.Level.DEBUG, a.vhost().name(), a.carp().vhid(), "advert from "
                        + a.src().getHostAddress() + " advbase " + a.carp().advbase() + " advskew "
                        + a.carp().advskew() + " demote " + a.carp().demote()));
            }
            a.vhost().onAdvert(a.src(), a.carp(), now, out);
        } catch (DecodeException e) {
            stats.dropped(e.reason());
            if (e.reason() == DropReason.BAD_AUTH) {
                // the message names the vhid and the source: one line per pair a minute, at every level
                String more = badAuthLines.admit(e.getMessage(), now);
                if (more != null) {
                    out.add(new Action.Log(Action.Level.WARNING, null, 0, dev + ": dropped " + e.getMessage() + more));
                }
                return out;
            }
            String more = sysctls.log() >= 1 ? dropLines.admit(e.reason(), now) : null;
            if (more != null) {
                out.add(new Action.Log(Action.Level.INFO, null, 0, dev + ": dropped " + e.getMessage() + more));
            }
        }
        return out;
    }

    private record Accepted(VirtualHost vhost, InetAddress src, CarpHeader carp) {
    }

    private Accepted validate(String dev, byte[] frame, long now) throws DecodeException {
        Sysctls sysctls = hosts.sysctls();
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
        VirtualHost v = hosts.find(dev, h.vhid())
                .orElseThrow(() -> new DecodeException(DropReason.UNKNOWN_VHID,
                        () -> "vhid " + h.vhid() + " from " + ip.src().getHostAddress()));
        if (h.version() != CarpHeader.VERSION) {
            throw new DecodeException(DropReason.BAD_VERSION,
                    () -> "version " + h.version() + " from " + ip.src().getHostAddress());
        }
        if (!v.verify(h)) {
            v.failedAuthentication(ip.src(), now);
            throw new DecodeException(DropReason.BAD_AUTH, () -> "vhid " + h.vhid() + " from "
                    + ip.src().getHostAddress() + " (check vhid, password and addresses)");
        }
        // PROTOCOL §0: our own last counter AND our own source; a peer may repeat our counter
        if (v.ownsCounter(h.counter()) && hosts.ownSource(dev, v, ip.src())) {
            throw new DecodeException(DropReason.LOOP, () -> "vhid " + h.vhid() + " from " + ip.src().getHostAddress());
        }
        // keyed by the virtual host: the IP source is not authenticated
        if (sysctls.replay() != 0 && !v.fresh(h, now)) {
            throw new DecodeException(DropReason.REPLAY, () -> "vhid " + h.vhid() + " from " + ip.src().getHostAddress()
                    + " counter " + Long.toUnsignedString(h.counter()));
        }
        return new Accepted(v, ip.src(), h);
    }
}
