package org.carp4j.election;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.Checksum;
import org.carp4j.codec.DecodeException;
import org.carp4j.codec.DropReason;
import org.carp4j.codec.FrameCodec;
import org.carp4j.config.Sysctls;

/**
 * The receive path: checks a captured frame in OpenBSD's carp_input order (allow, TTL, length and
 * checksum, vhid, version, HMAC, loop, replay), counts every packet and every drop by reason, and
 * hands a valid advert to its virtual host.
 *
 * <p>The checks read the frame in place and a drop is a returned reason, not an exception: a flood
 * of forgeries (bad HMAC, replays, unknown vhids) allocates nothing here. Only an advert that
 * passes, or a drop that is logged (one a second per reason), is decoded into objects.
 */
final class ReceivePath {

    /** What the receive path needs to know about the host's carp interfaces. */
    interface Hosts {
        Sysctls sysctls();

        /** The running carp interface with this vhid on this carpdev, or null. */
        VirtualHost find(String dev, int vhid);

        /** Whether src is where our own adverts for v come from (the carpdev's or the fallback source). */
        boolean ownSource(String dev, VirtualHost v, InetAddress src);
    }

    private static final int ETHER = 14;
    private static final int IPV4 = 20;
    private static final int IPV6 = 40;

    private final Hosts hosts;
    private final ReceiveStats stats = new ReceiveStats();
    /** net.inet.carp.log=1: one line per drop reason per second; the counters count them all. */
    private final LogLimiter dropLines = new LogLimiter(Interval.SECOND);
    /**
     * Bad authentication at every log level, once a minute per source and vhid: a wrong password
     * splits the brain (both MASTER), and the drop counter alone says nothing at log 0. Keyed by
     * {@link #badAuthKey} (vhid and source as one number: nothing allocated per forged frame).
     */
    private final LogLimiter badAuthLines = new LogLimiter(60 * Interval.SECOND, 64);
    private long badAuthKey;
    // what check() found, for the caller (one loop thread)
    private VirtualHost vhost;
    private int carp;

    ReceivePath(Hosts hosts) {
        this.hosts = hosts;
    }

    ReceiveStats stats() {
        return stats;
    }

    List<Action> receive(String dev, byte[] frame, long now) {
        return frame == null ? drop(dev, DropReason.SHORT, new byte[0], 0, now)
                : receive(dev, frame, frame.length, now);
    }

    /** The frame is frame[0..length); the buffer may be reused once this returns. */
    List<Action> receive(String dev, byte[] frame, int length, long now) {
        if (length >= ETHER) {
            stats.received(frame[12] == 0x08 && frame[13] == 0x00);
        }
        DropReason r = check(dev, frame, length, now);
        if (r != null) {
            return drop(dev, r, frame, length, now);
        }
        stats.accepted();
        CarpHeader h;
        InetAddress src;
        try {
            FrameCodec.IpView ip = FrameCodec.readIp(Arrays.copyOf(frame, length));
            h = ip.carp();
            src = ip.src();
        } catch (DecodeException e) {
            throw new AssertionError("check() passed a frame the codec refuses: " + e.getMessage(), e);
        }
        List<Action> out = new ArrayList<>();
        if (hosts.sysctls().log() >= 2) {
            out.add(new Action.Log(Action.Level.DEBUG, vhost.name(), h.vhid(), "advert from "
                    + src.getHostAddress() + " advbase " + h.advbase() + " advskew "
                    + h.advskew() + " demote " + h.demote()));
        }
        vhost.onAdvert(src, h, now, out);
        return out;
    }

    private List<Action> drop(String dev, DropReason r, byte[] frame, int length, long now) {
        stats.dropped(r);
        if (r == DropReason.BAD_AUTH) {
            String more = badAuthLines.admit(badAuthKey, now); // one line per vhid and source a minute
            return more == null ? List.of() : List.of(new Action.Log(Action.Level.WARNING, null, 0,
                    dev + ": dropped " + r.label() + ": " + Why.detail(r, Arrays.copyOf(frame, length)) + more));
        }
        if (hosts.sysctls().log() < 1) {
            return List.of();
        }
        String more = dropLines.admit(r, now);
        if (more == null) {
            return List.of();
        }
        return List.of(new Action.Log(Action.Level.INFO, null, 0, dev + ": dropped " + r.label() + ": "
                + Why.detail(r, Arrays.copyOf(frame, length)) + more));
    }

    /** The reason to drop frame[0..length), or null if it is a valid advert (then vhost and carp are set). */
    private DropReason check(String dev, byte[] f, int length, long now) {
        Sysctls sysctls = hosts.sysctls();
        if (sysctls.allow() == 0) {
            return DropReason.NOT_ALLOWED;
        }
        if (length < ETHER) {
            return DropReason.SHORT;
        }
        int type = u16(f, 12);
        int ttl;
        int carpLength;
        if (type == FrameCodec.ETHERTYPE_IPV4) {
            int available = length - ETHER;
            if (available < IPV4) {
                return DropReason.SHORT;
            }
            int vihl = f[ETHER] & 0xff;
            if ((vihl >>> 4) != 4) {
                return DropReason.MALFORMED;
            }
            int ihl = (vihl & 0xf) * 4;
            int total = u16(f, ETHER + 2);
            if (ihl < IPV4 || available < ihl || total < ihl || total > available) {
                return DropReason.SHORT;
            }
            if (f[ETHER + 9] != (byte) FrameCodec.PROTO_CARP || (u16(f, ETHER + 6) & 0x3fff) != 0) {
                return DropReason.MALFORMED;
            }
            if (Checksum.of(f, ETHER, ihl) != 0) {
                return DropReason.BAD_CHECKSUM;
            }
            ttl = f[ETHER + 8] & 0xff;
            carp = ETHER + ihl;
            carpLength = total - ihl;
        } else if (type == FrameCodec.ETHERTYPE_IPV6) {
            int available = length - ETHER;
            if (available < IPV6) {
                return DropReason.SHORT;
            }
            if (((f[ETHER] & 0xff) >>> 4) != 6 || f[ETHER + 6] != (byte) FrameCodec.PROTO_CARP) {
                return DropReason.MALFORMED;
            }
            carpLength = u16(f, ETHER + 4);
            if (carpLength > available - IPV6) {
                return DropReason.SHORT;
            }
            ttl = f[ETHER + 7] & 0xff;
            carp = ETHER + IPV6;
        } else {
            return DropReason.MALFORMED;
        }
        if (ttl != 255) {
            return DropReason.BAD_TTL;
        }
        if (carpLength < CarpHeader.LENGTH || carp + CarpHeader.LENGTH > length) {
            return DropReason.SHORT;
        }
        if (Checksum.of(f, carp, CarpHeader.LENGTH) != 0) {
            return DropReason.BAD_CHECKSUM;
        }
        VirtualHost v = hosts.find(dev, f[carp + 1] & 0xff);
        if (v == null) {
            return DropReason.UNKNOWN_VHID;
        }
        if (((f[carp] & 0xff) >>> 4) != CarpHeader.VERSION) {
            return DropReason.BAD_VERSION;
        }
        if (!v.verify(f, carp)) {
            boolean v4 = type == FrameCodec.ETHERTYPE_IPV4;
            int at = v4 ? ETHER + 12 : ETHER + 8;
            v.failedAuthentication(f, at, v4 ? 4 : 16, now);
            // vhid and source folded into one number (an IPv6 source as its two halves xored)
            badAuthKey = ((long) (f[carp + 1] & 0xff) << 56) ^ (v4 ? u32(f, at) : u64(f, at) * 31 ^ u64(f, at + 8));
            return DropReason.BAD_AUTH;
        }
        long counter = u64(f, carp + 8);
        // PROTOCOL §0: our own last counter AND our own source; a peer may repeat our counter
        if (v.ownsCounter(counter) && hosts.ownSource(dev, v, source(f, type))) {
            return DropReason.LOOP;
        }
        // keyed by the virtual host: the IP source is not authenticated
        if (sysctls.replay() != 0 && !v.fresh(counter, f[carp + 5] & 0xff, f[carp + 2] & 0xff, now)) {
            return DropReason.REPLAY;
        }
        vhost = v;
        return null;
    }

    private static InetAddress source(byte[] f, int type) {
        boolean v4 = type == FrameCodec.ETHERTYPE_IPV4;
        int at = v4 ? ETHER + 12 : ETHER + 8;
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(f, at, at + (v4 ? 4 : 16)));
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always an address", e);
        }
    }

    private static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    private static long u32(byte[] b, int off) {
        return ((long) u16(b, off) << 16) | u16(b, off + 2);
    }

    private static long u64(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    /** The words of a logged drop (rare: at most one line a second per reason), from the frame's own fields. */
    private static final class Why {
        static String detail(DropReason r, byte[] frame) {
            if (r == DropReason.NOT_ALLOWED) {
                return "net.inet.carp.allow=0";
            }
            FrameCodec.IpView ip;
            try {
                ip = FrameCodec.readIp(frame);
            } catch (DecodeException e) {
                return e.getMessage().substring(e.reason().label().length() + 2);
            }
            String from = "from " + ip.src().getHostAddress();
            if (r == DropReason.BAD_TTL) {
                return "TTL " + ip.ttl() + " " + from;
            }
            CarpHeader h;
            try {
                h = ip.carp();
            } catch (DecodeException e) {
                return e.getMessage().substring(e.reason().label().length() + 2);
            }
            return switch (r) {
                case BAD_CHECKSUM -> from;
                case BAD_VERSION -> "version " + h.version() + " " + from;
                case BAD_AUTH -> "vhid " + h.vhid() + " " + from + " (check vhid, password and addresses)";
                case REPLAY -> "vhid " + h.vhid() + " " + from + " counter " + Long.toUnsignedString(h.counter());
                default -> "vhid " + h.vhid() + " " + from;
            };
        }
    }
}
