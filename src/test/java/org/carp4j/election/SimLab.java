package org.carp4j.election;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import org.carp4j.codec.Announcements;
import org.carp4j.codec.FrameCodec;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;

/**
 * A simulated Ethernet lab for the pure core: hosts (each a {@link CarpEngine}) with interfaces
 * em0/em1 on shared segments, one virtual clock, configurable delay and loss, cables to pull and
 * ports to detach. Every action a host emits is kept in a trace the tests read.
 */
final class SimLab {
    static final long S = Interval.SECOND;
    static final long MS = S / 1000;

    record Delivery(long at, long seq, Host to, String dev, byte[] frame) {
    }

    record Entry(long at, String host, Action action) {
    }

    private final PriorityQueue<Delivery> wire = new PriorityQueue<>(
            (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final List<Entry> trace = new ArrayList<>();
    private final Random random;
    private long now;
    private long seq;
    long delay = MS;
    double loss;

    SimLab(long seed) {
        this.random = new Random(seed);
    }

    final class Host {
        final String name;
        final CarpEngine engine;
        final Map<String, String> segmentOf = new LinkedHashMap<>();
        final Map<String, Carpdev> devs = new LinkedHashMap<>();
        final Set<String> detached = new HashSet<>();
        final Set<String> failingSends = new HashSet<>();
        final Map<String, VhostConfig> carps = new LinkedHashMap<>();
        final Set<VipAddress> addresses = new HashSet<>();
        Sysctls sysctls = Sysctls.DEFAULTS;
        int demote;
        int arpReplies;

        Host(String name, long seed) {
            this.name = name;
            this.engine = new CarpEngine(new Random(seed));
        }

        /** Plugs interface dev (address a.b.c.d/nn) into a segment. */
        Host nic(String dev, String segment, String address) {
            segmentOf.put(dev, segment);
            long mac = 0x0200_0000_0000L | (devs.size() << 8) | hosts.size();
            Carpdev d = new Carpdev(dev, new MacAddress(mac), List.of(VipAddress.parse(address)), true);
            devs.put(dev, d);
            run(engine.carpdev(d, now));
            return this;
        }

        /** Plugs interface dev into a segment without an IPv4 address of its own. */
        Host bareNic(String dev, String segment) {
            segmentOf.put(dev, segment);
            long mac = 0x0200_0000_0000L | (devs.size() << 8) | hosts.size();
            Carpdev d = new Carpdev(dev, new MacAddress(mac), List.of(), true);
            devs.put(dev, d);
            run(engine.carpdev(d, now));
            return this;
        }

        Host sysctl(String name, int value) {
            sysctls = sysctls.with(name, value);
            return reconfigure();
        }

        /** The handbook's `ifconfig carpN vhid V pass P carpdev D advskew K ADDRESS/PREFIX`. */
        Host carp(String ifname, int vhid, String pass, String dev, int advskew, String address) {
            carps.put(ifname, new VhostConfig(ifname, vhid, pass, dev, 1, advskew,
                    List.of(VipAddress.parse(address)), true));
            return reconfigure();
        }

        Host set(VhostConfig c) {
            carps.put(c.name(), c);
            return reconfigure();
        }

        Host down(String ifname) {
            return set(carps.get(ifname).withUp(false));
        }

        Host up(String ifname) {
            return set(carps.get(ifname).withUp(true));
        }

        Host demote(int d) {
            demote = d;
            return reconfigure();
        }

        Host reconfigure() {
            run(engine.apply(carps.values(), sysctls, demote, now));
            return this;
        }

        Host force(String ifname, CarpState s) {
            run(engine.forceState(ifname, s, now));
            return this;
        }

        /** Pulls the cable: the host sees NO-CARRIER and nothing crosses. */
        Host cut(String dev) {
            devs.put(dev, devs.get(dev).withLink(false));
            run(engine.carpdev(devs.get(dev), now));
            return this;
        }

        Host heal(String dev) {
            detached.remove(dev);
            devs.put(dev, devs.get(dev).withLink(true));
            run(engine.carpdev(devs.get(dev), now));
            return this;
        }

        /** Removes the switch port: link stays up, nothing crosses (silent partition). */
        Host detach(String dev) {
            detached.add(dev);
            return this;
        }

        CarpState state(String ifname) {
            return engine.state(ifname);
        }

        boolean holds(String address) {
            return addresses.contains(VipAddress.parse(address));
        }

        private boolean wired(String dev) {
            Carpdev d = devs.get(dev);
            return d != null && d.linkUp() && !detached.contains(dev);
        }

        /** The NIC refuses to send on dev (ENOBUFS, a dead driver): adverts fail and carpd is told so. */
        Host failSends(String dev) {
            failingSends.add(dev);
            return this;
        }

        Host sendsWork(String dev) {
            failingSends.remove(dev);
            return this;
        }

        void run(List<Action> actions) {
            // after every input: the engine's cached deadline is what a fresh look at its timers says
            if (engine.nextDeadline() != engine.scanDeadline()) {
                throw new AssertionError(name + ": stale deadline " + engine.nextDeadline() + ", timers say "
                        + engine.scanDeadline());
            }
            for (Action a : actions) {
                trace.add(new Entry(now, name, a));
                if (a instanceof Action.SendFrame f && f.kind() == Action.FrameKind.ADVERT) {
                    boolean ok = !failingSends.contains(f.carpdev());
                    if (ok) {
                        transmit(this, f);
                    }
                    run(engine.sent(f.ifname(), ok, now));
                } else if (a instanceof Action.SendFrame f) {
                    transmit(this, f);
                } else if (a instanceof Action.TakeAddresses t) {
                    addresses.addAll(t.addresses());
                } else if (a instanceof Action.ReleaseAddresses r) {
                    r.addresses().forEach(addresses::remove);
                }
            }
        }
    }

    Host host(String name) {
        return hosts.computeIfAbsent(name, n -> new Host(n, random.nextLong()));
    }

    long now() {
        return now;
    }

    /** Segments whose switch drops multicast (a cloud network, or IGMP snooping gone wrong). */
    final Set<String> multicastBlocked = new HashSet<>();

    private void transmit(Host from, Action.SendFrame f) {
        transmit(from, f.carpdev(), f.frame());
    }

    /** Ethernet as a switch and NICs see it: unicast reaches only its MAC, broadcast everyone. */
    private void transmit(Host from, String fromDev, byte[] frame) {
        if (!from.wired(fromDev)) {
            return;
        }
        String segment = from.segmentOf.get(fromDev);
        MacAddress dst = MacAddress.of(frame, 0);
        boolean group = (frame[0] & 1) != 0;
        if (group && !dst.equals(MacAddress.BROADCAST) && multicastBlocked.contains(segment)) {
            return;
        }
        for (Host to : hosts.values()) {
            if (to == from) {
                continue;
            }
            to.segmentOf.forEach((dev, seg) -> {
                if (seg.equals(segment) && to.wired(dev) && (group || to.devs.get(dev).mac().equals(dst))
                        && random.nextDouble() >= loss) {
                    wire.add(new Delivery(now + delay, seq++, to, dev, frame));
                }
            });
        }
    }

    /** A frame someone puts on the wire by hand (an attacker's forgery, a replay). */
    void inject(Host from, String dev, byte[] frame) {
        transmit(from, dev, frame);
    }

    /** What the hosts' kernels do with a frame besides handing it to carpd: answer ARP for their own addresses. */
    private void kernel(Host h, String dev, byte[] frame) {
        var arp = Announcements.parseArp(frame);
        Carpdev d = h.devs.get(dev);
        if (arp.isPresent() && arp.get().request() && d.owns(arp.get().targetIp())) {
            h.arpReplies++;
            transmit(h, dev, Announcements.arpReply(d.mac(), arp.get().targetIp(), arp.get().senderMac(),
                    arp.get().senderIp()));
        }
    }

    /** Runs the lab until the virtual clock reads t (nanoseconds). */
    SimLab runUntil(long t) {
        while (true) {
            long next = wire.isEmpty() ? Long.MAX_VALUE : wire.peek().at;
            for (Host h : hosts.values()) {
                next = Math.min(next, h.engine.nextDeadline());
            }
            if (next > t) {
                now = t;
                return this;
            }
            now = Math.max(now, next);
            while (!wire.isEmpty() && wire.peek().at <= now) {
                Delivery d = wire.poll();
                if (d.to.wired(d.dev)) {
                    boolean arp = d.frame[12] == 0x08 && d.frame[13] == 0x06;
                    d.to.run(arp ? d.to.engine.arp(d.dev, d.frame, now) : d.to.engine.receive(d.dev, d.frame, now));
                    kernel(d.to, d.dev, d.frame);
                }
            }
            for (Host h : hosts.values()) {
                if (h.engine.nextDeadline() <= now) {
                    h.run(h.engine.tick(now));
                }
            }
        }
    }

    SimLab runFor(long d) {
        return runUntil(now + d);
    }

    List<Entry> trace() {
        return trace;
    }

    /** Every state change of one carp interface on one host, in order. */
    List<Entry> transitions(String host, String ifname) {
        return trace.stream().filter(e -> e.host.equals(host) && e.action instanceof Action.StateChange sc
                && sc.ifname().equals(ifname)).toList();
    }

    List<Entry> transitionsSince(long t) {
        return trace.stream().filter(e -> e.at >= t && e.action instanceof Action.StateChange).toList();
    }

    /** Time of the last advert one host sent for ifname, or -1. */
    long lastAdvert(String host, String ifname) {
        for (int i = trace.size() - 1; i >= 0; i--) {
            Entry e = trace.get(i);
            if (e.host.equals(host) && e.action instanceof Action.SendFrame f && f.ifname().equals(ifname)
                    && f.kind() == Action.FrameKind.ADVERT) {
                return e.at;
            }
        }
        return -1;
    }

    /** Adverts one host sent for ifname, decoded. */
    List<org.carp4j.codec.AdvertFrame> adverts(String host, String ifname) {
        List<org.carp4j.codec.AdvertFrame> out = new ArrayList<>();
        for (Entry e : trace) {
            if (e.host.equals(host) && e.action instanceof Action.SendFrame f && f.ifname().equals(ifname)
                    && f.kind() == Action.FrameKind.ADVERT) {
                try {
                    out.add(FrameCodec.decode(f.frame()));
                } catch (org.carp4j.codec.DecodeException ex) {
                    throw new AssertionError(ex);
                }
            }
        }
        return out;
    }

    /** How many frames of this kind all hosts sent in [from, to). */
    long sent(Action.FrameKind kind, long from, long to) {
        return trace.stream().filter(e -> e.at >= from && e.at < to && e.action instanceof Action.SendFrame f
                && f.kind() == kind).count();
    }

    /** Which hosts are MASTER of ifname now. */
    List<String> masters(String ifname) {
        return hosts.values().stream().filter(h -> h.state(ifname) == CarpState.MASTER).map(h -> h.name).toList();
    }

    List<String> holders(String address) {
        return hosts.values().stream().filter(h -> h.holds(address)).map(h -> h.name).toList();
    }
}
