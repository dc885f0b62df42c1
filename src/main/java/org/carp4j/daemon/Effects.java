package org.carp4j.daemon;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.carp4j.codec.Announcements;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.StateDocument;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.Action;
import org.carp4j.election.CarpEngine;
import org.carp4j.election.CarpState;
import org.carp4j.election.Carpdev;
import org.carp4j.host.HostNetwork;
import org.carp4j.link.Link;

/**
 * Carries out the engine's actions: frames, addresses, hooks, log lines. Adverts go on the wire at
 * once from the loop; address changes go to the host worker, and a gratuitous ARP or neighbour
 * advert that announces an address waits behind them there, so it never goes out before the
 * address is up. Remembers the addresses each interface holds, to put them back when they vanish
 * from the host. Every method runs on the loop thread.
 */
final class Effects {
    private final HostNetwork host;
    private final HostQueue worker;
    private final CarpInterfaces ifaces;
    private final CarpdevFacts facts;
    private final Supplier<StateDocument> doc;
    private final Log log;
    private final Map<String, Set<VipAddress>> held = new HashMap<>();
    private final Map<String, Long> transitions = new HashMap<>();
    /** Bumped by every address change; a drift check that raced with one is ignored. */
    private long generation;
    private Consumer<Runnable> loop = Runnable::run;
    private Hooks hooks;
    private java.util.function.BiConsumer<String, Boolean> advertSent;
    /**
     * Good adverts the engine still has to hear of, by interface: after a failure, the next
     * {@link CarpEngine#SEND_ERRORS} good ones in a row (then its counters are back at zero). Any
     * other good advert changes nothing there, and telling it would cost a loop task per advert.
     */
    private final Map<String, Integer> goodToTell = new HashMap<>();

    Effects(HostNetwork host, HostQueue worker, CarpInterfaces ifaces, CarpdevFacts facts,
            Supplier<StateDocument> doc, Log log) {
        this.host = host;
        this.worker = worker;
        this.ifaces = ifaces;
        this.facts = facts;
        this.doc = doc;
        this.log = log;
    }

    void attach(Consumer<Runnable> loop) {
        this.loop = loop;
    }

    void hooks(Hooks h) {
        this.hooks = h;
    }

    long hooksDropped() {
        return hooks == null ? 0 : hooks.dropped();
    }

    Map<String, Long> transitions() {
        return transitions;
    }

    /** The addresses carpd holds on the host for each interface, as the resync must leave them. */
    Map<String, List<VipAddress>> held() {
        Map<String, List<VipAddress>> m = new HashMap<>();
        held.forEach((k, v) -> m.put(k, List.copyOf(v)));
        return m;
    }

    /**
     * The addresses taken in one decision (say 64 carp interfaces whose master died together) go
     * to the host in one job and one kernel request; the frames that announce them follow it.
     */
    void execute(List<Action> actions) {
        Batch batch = null;
        for (Action a : actions) {
            if (a instanceof Action.SendFrame f) {
                if (batch != null && announces(f)) {
                    batch.after.add(f); // never before the address is up
                } else {
                    send(f);
                }
            } else if (a instanceof Action.TakeAddresses t) {
                held.computeIfAbsent(t.ifname(), k -> new LinkedHashSet<>()).addAll(t.addresses());
                if (batch == null) {
                    batch = new Batch();
                }
                batch.grant(t.ifname(), t.addresses());
            } else if (a instanceof Action.ReleaseAddresses r) {
                batch = flush(batch); // host changes keep the engine's order
                Set<VipAddress> h = held.get(r.ifname());
                if (h != null) {
                    r.addresses().forEach(h::remove);
                }
                generation++;
                worker.submit(r.ifname() + " release", () -> {
                    try {
                        host.removeAddresses(r.ifname(), r.addresses());
                    } catch (IOException e) {
                        log.line("error", r.ifname(), 0, "address", "cannot remove addresses: " + e.getMessage(), "");
                    }
                });
            } else if (a instanceof Action.StateChange sc) {
                transitions.merge(sc.ifname(), 1L, Long::sum);
                if (hooks != null) {
                    VhostConfig c = doc.get().find(sc.ifname()).orElse(null);
                    hooks.transition(sc, c == null ? null : c.carpdev(), c == null ? List.of() : c.addresses());
                }
                log.line(sc.to() == CarpState.MASTER || sc.from() == CarpState.MASTER ? "warning" : "info",
                        sc.ifname(), sc.vhid(), "state", sc.toString(),
                        " from=" + sc.from() + " to=" + sc.to());
            } else if (a instanceof Action.Log l) {
                log.line(l.level().name().toLowerCase(), l.ifname(), l.vhid(), "carp", l.message(), "");
            }
        }
        flush(batch);
    }

    /** carpN was recreated: put back the addresses it held, and announce them again. */
    void reassert(String ifname) {
        List<VipAddress> h = List.copyOf(held.getOrDefault(ifname, Set.of()));
        if (!h.isEmpty()) {
            take(ifname, h, announcements(ifname, h));
        }
    }

    /**
     * Once an advert interval: reads (on the worker) the addresses of each interface that holds
     * some, and puts back the ones someone removed (`ip addr del VIP dev carp0` on a MASTER).
     */
    void checkAddresses() {
        if (!worker.idle()) {
            return; // a change is under way; look again next time
        }
        checkAddresses(held.keySet());
    }

    /** One interface's addresses (an rtnetlink event said one was removed); see {@link #checkAddresses(Collection)}. */
    void checkAddresses(String name) {
        checkAddresses(List.of(name));
    }

    /**
     * Reads (on the worker) the addresses of these interfaces, in one read of the host (255
     * masters must not cost 255 `ip` forks), and puts back the held ones missing. A check queued
     * behind changes sees them done; one that raced with a later change is ignored.
     */
    void checkAddresses(Collection<String> which) {
        List<String> names = new ArrayList<>();
        for (String name : which) {
            Set<VipAddress> h = held.get(name);
            if (h != null && !h.isEmpty() && ifaces.present(name)) {
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            return;
        }
        long gen = generation;
        worker.submit("address check", () -> {
            Map<String, List<VipAddress>> now = host.addressesOf(names);
            loop.accept(() -> names.forEach(name -> addressesSeen(name, gen, now.getOrDefault(name, List.of()))));
        });
    }

    private void addressesSeen(String name, long gen, List<VipAddress> onHost) {
        if (gen != generation || !ifaces.present(name)) {
            return;
        }
        List<VipAddress> missing = new ArrayList<>(held.getOrDefault(name, Set.of()));
        missing.removeAll(onHost);
        if (missing.isEmpty()) {
            notUp.remove(name); // e.g. the add's answer was lost but the kernel did it: announce again
        } else {
            log.line("warning", name, 0, "host", name + ": " + missing.stream().map(VipAddress::toString)
                    .reduce((x, y) -> x + " " + y).orElseThrow() + " vanished from the host; re-adding", "");
            take(name, missing, announcements(name, missing));
        }
    }

    /** Adds the addresses on the worker, then sends the frames that announce them. */
    private void take(String ifname, List<VipAddress> addresses, List<Action.SendFrame> after) {
        Batch b = new Batch();
        b.grant(ifname, addresses);
        b.after.addAll(after);
        flush(b);
    }

    /** Address grants and the announcements behind them, gathered on the loop, run as one host job. */
    private final class Batch {
        final List<HostNetwork.Grant> grants = new ArrayList<>();
        final List<Action.SendFrame> after = new ArrayList<>();

        void grant(String ifname, List<VipAddress> addresses) {
            VhostConfig c = doc.get().find(ifname).orElse(null);
            List<VipAddress> own = c == null ? List.of()
                    : facts.get(c.carpdev()).map(Carpdev::addresses).orElse(List.of());
            grants.add(new HostNetwork.Grant(ifname, List.copyOf(addresses), own));
        }
    }

    /** Queues the batch (if any) on the worker; returns null, the next batch is a new one. */
    private Batch flush(Batch b) {
        if (b == null) {
            return null;
        }
        generation++;
        List<HostNetwork.Grant> grants = List.copyOf(b.grants);
        List<Action.SendFrame> after = List.copyOf(b.after);
        List<Link> links = after.stream().map(f -> ifaces.link(f.carpdev())).toList();
        String what = grants.size() == 1 ? grants.get(0).name() + " take" : grants.size() + " interfaces take";
        worker.submit(what, () -> {
            Map<String, IOException> failed = host.addAddresses(grants);
            failed.forEach((name, e) ->
                    log.line("error", name, 0, "address", "cannot add addresses: " + e.getMessage(), ""));
            grants.forEach(g -> {
                if (failed.containsKey(g.name())) {
                    notUp.add(g.name());
                } else {
                    notUp.remove(g.name());
                }
            });
            for (int i = 0; i < after.size(); i++) {
                if (!failed.containsKey(after.get(i).ifname())) { // never announce what is not up
                    sendNow(links.get(i), after.get(i));
                }
            }
        });
        return null;
    }

    /** Interfaces whose last address add failed: never announced until an add succeeds (the poll retries). */
    private final Set<String> notUp = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static boolean announces(Action.SendFrame f) {
        return f.kind() == Action.FrameKind.GARP || f.kind() == Action.FrameKind.NEIGHBOR_ADVERT;
    }

    private void send(Action.SendFrame f) {
        Link l = ifaces.link(f.carpdev());
        if (l == null) {
            return;
        }
        if (announces(f) && !worker.idle()) {
            // an address change may be under way: announce only once it is done
            worker.submit(f.ifname() + " announce", () -> sendNow(l, f));
        } else {
            sendNow(l, f);
        }
    }

    private void sendNow(Link l, Action.SendFrame f) {
        if (l == null || announces(f) && notUp.contains(f.ifname())) {
            return; // a later announcement (refresh, the second GARP) of an address whose add failed
        }
        boolean ok = true;
        try {
            l.send(f.frame());
        } catch (IOException e) {
            ok = false;
            log.line("warning", f.ifname(), 0, "send", e.getMessage(), "");
        }
        if (f.kind() == Action.FrameKind.ADVERT && advertSent != null && mustTell(f.ifname(), ok)) {
            // the engine demotes after repeated failures (OpenBSD's "> snderrors"); told via the loop
            boolean result = ok;
            loop.accept(() -> advertSent.accept(f.ifname(), result));
        }
    }

    /** Adverts are sent on the loop only (announcements may wait on the worker), so this is too. */
    private boolean mustTell(String ifname, boolean ok) {
        if (!ok) {
            goodToTell.put(ifname, CarpEngine.SEND_ERRORS);
            return true;
        }
        Integer left = goodToTell.get(ifname);
        if (left == null) {
            return false;
        }
        if (left <= 1) {
            goodToTell.remove(ifname);
        } else {
            goodToTell.put(ifname, left - 1);
        }
        return true;
    }

    /** Where the result of an advert sent goes when it matters (the engine's send-error demotion). */
    void onAdvertSent(java.util.function.BiConsumer<String, Boolean> c) {
        this.advertSent = c;
    }

    /** Gratuitous ARP / unsolicited NA for addresses put back (none while carpd balances ARP). */
    List<Action.SendFrame> announcements(String ifname, List<VipAddress> addresses) {
        VhostConfig c = doc.get().find(ifname).orElse(null);
        if (c == null || c.carpdev() == null || doc.get().sysctls().arpbalance() != 0) {
            return List.of();
        }
        MacAddress mac = MacAddress.virtual(c.vhid());
        List<Action.SendFrame> out = new ArrayList<>();
        for (VipAddress a : addresses) {
            if (a.address() instanceof Inet4Address v4) {
                out.add(new Action.SendFrame(ifname, c.carpdev(), Action.FrameKind.GARP,
                        Announcements.gratuitousArp(mac, v4)));
            } else if (a.address() instanceof Inet6Address v6) {
                out.add(new Action.SendFrame(ifname, c.carpdev(), Action.FrameKind.NEIGHBOR_ADVERT,
                        Announcements.unsolicitedNeighborAdvert(mac, v6)));
            }
        }
        return out;
    }
}
