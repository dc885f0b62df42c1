package org.carp4j.daemon;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.carp4j.codec.MacAddress;
import org.carp4j.commands.CommandException;
import org.carp4j.commands.HostInterface;
import org.carp4j.config.StateDocument;
import org.carp4j.config.StateFile;
import org.carp4j.config.VhostConfig;
import org.carp4j.control.Protocol;
import org.carp4j.election.Action;
import org.carp4j.election.CarpEngine;
import org.carp4j.election.CarpState;
import org.carp4j.election.Carpdev;
import org.carp4j.host.HostNetwork;
import org.carp4j.link.Link;

/**
 * The running carpd: the configuration document, the engine, the host's carp interfaces and the
 * links. Every method runs on the event loop thread, so nothing here needs a lock.
 */
final class Daemon implements EventLoop.Timers, Requests.Target {
    interface LinkOpener {
        Link open(String carpdev, Link.Receiver receiver) throws IOException;
    }

    private final StateFile store;
    private final HostNetwork host;
    private final LinkOpener links;
    private final Log log;
    private final LongSupplier clock;
    private final CarpEngine engine = new CarpEngine(new SecureRandom());
    private final Map<String, Link> open = new HashMap<>();
    private final Map<String, String> created = new HashMap<>();
    /** carpN names held by an interface carpd did not make: left alone, their carp interface kept in INIT. */
    private final Set<String> foreign = new TreeSet<>();
    private final Map<String, Carpdev> carpdevs = new HashMap<>();
    private final Map<String, Long> transitions = new HashMap<>();
    private final Requests requests;
    private Hooks hooks;
    private StateDocument doc;
    /** Hands work to the event loop; captured frames arrive on capture threads. */
    private Consumer<Runnable> loop = Runnable::run;

    Daemon(StateFile store, StateDocument doc, HostNetwork host, LinkOpener links, Log log, LongSupplier clock) {
        this.store = store;
        this.doc = doc;
        this.host = host;
        this.links = links;
        this.log = log;
        this.clock = clock;
        this.requests = new Requests(this, log);
    }

    void attach(Consumer<Runnable> poster) {
        this.loop = poster;
    }

    void hooks(Hooks h) {
        this.hooks = h;
    }

    /** Rebuilds everything the saved configuration describes. */
    void start() {
        refreshCarpdevs();
        syncHost();
        execute(engine.apply(runnable(), doc.sysctls(), doc.demote(), clock.getAsLong()));
        log.info("start", "restored " + doc.interfaces().size() + " carp interface(s) from " + store.path());
    }

    /** SIGTERM: masters bow out and release their addresses; our interfaces go away. */
    void stop() {
        execute(engine.shutdown());
        for (String name : new ArrayList<>(created.keySet())) {
            destroy(name);
        }
        open.values().forEach(Link::close);
        open.clear();
    }

    @Override
    public long nextDeadline() {
        return engine.nextDeadline();
    }

    @Override
    public void fire(long now) {
        execute(engine.tick(now));
    }

    void frame(String carpdev, byte[] frame) {
        boolean arp = frame.length > 13 && frame[12] == 0x08 && frame[13] == 0x06;
        execute(arp ? engine.arp(carpdev, frame, clock.getAsLong())
                : engine.receive(carpdev, frame, clock.getAsLong()));
    }

    /** The link watcher saw a carpdev appear, vanish or change carrier. */
    void carpdevChanged(String name) {
        refreshCarpdev(name);
        Set<String> before = Set.copyOf(foreign);
        syncHost();
        if (!foreign.equals(before)) {
            execute(engine.apply(runnable(), doc.sysctls(), doc.demote(), clock.getAsLong()));
        }
    }

    /** Polled every 100 ms: a carrier change or a carpdev appearing or vanishing. */
    void pollCarriers() {
        for (String d : carpdevNames()) {
            Optional<Boolean> c = host.carrier(d);
            Carpdev known = carpdevs.get(d);
            if (c.isEmpty() ? known != null : known == null || known.linkUp() != c.get()) {
                carpdevChanged(d);
            }
        }
        if (foreign.stream().anyMatch(n -> host.carrier(n).isEmpty())) { // the admin removed it: ours to make now
            syncHost();
            execute(engine.apply(runnable(), doc.sysctls(), doc.demote(), clock.getAsLong()));
        }
    }

    Set<String> carpdevNames() {
        Set<String> s = new TreeSet<>();
        doc.interfaces().stream().map(VhostConfig::carpdev).filter(d -> d != null).forEach(s::add);
        return s;
    }

    /** The Prometheus page; runs on the loop like everything else, so it is never stale. */
    String metrics() {
        return Metrics.render(doc, engine::state, engine::peerResolved, transitions, engine.stats())
                + Metrics.hooks(hooks == null ? 0 : hooks.dropped());
    }

    // ------------------------------------------------------------------ control requests

    Protocol.Response handle(Protocol.Request r) {
        return requests.handle(r);
    }

    @Override
    public StateDocument doc() {
        return doc;
    }

    @Override
    public void force(String ifname, CarpState state) throws CommandException {
        try {
            execute(engine.forceState(ifname, state, clock.getAsLong()));
        } catch (IllegalStateException e) {
            throw new CommandException(e.getMessage());
        }
    }

    @Override
    public CarpState state(String ifname) {
        return engine.state(ifname);
    }

    @Override
    public Map<String, Long> stats() {
        return engine.stats().snapshot();
    }

    @Override
    public List<HostInterface> hostInterfaces() throws IOException {
        return host.interfaces();
    }

    /** Saves first, then applies: an acknowledged change is on disk, a failed save changes nothing. */
    @Override
    public void commit(StateDocument next) throws IOException {
        if (next.equals(doc)) {
            return;
        }
        try {
            store.save(next);
        } catch (IOException e) {
            throw new IOException(store.path() + ": " + e.getMessage(), e);
        }
        boolean arpChanged = next.sysctls().arpbalance() != doc.sysctls().arpbalance();
        doc = next;
        if (arpChanged) {
            created.keySet().forEach(n -> host.kernelArp(n, doc.sysctls().arpbalance() == 0));
        }
        refreshCarpdevs();
        syncHost();
        execute(engine.apply(runnable(), doc.sysctls(), doc.demote(), clock.getAsLong()));
    }

    /** The configuration as the engine runs it: an interface whose name another interface holds stays in INIT. */
    private List<VhostConfig> runnable() {
        return doc.interfaces().stream().map(c -> foreign.contains(c.name()) ? c.withUp(false) : c).toList();
    }

    // ------------------------------------------------------------------ host

    private void refreshCarpdevs() {
        for (String d : carpdevNames()) {
            refreshCarpdev(d);
        }
    }

    private void refreshCarpdev(String name) {
        try {
            Optional<Carpdev> cd = host.carpdev(name);
            Carpdev old = carpdevs.get(name);
            if (cd.isPresent()) {
                carpdevs.put(name, cd.get());
                if (!cd.get().equals(old)) {
                    execute(engine.carpdev(cd.get(), clock.getAsLong()));
                }
            } else if (old != null) {
                carpdevs.remove(name);
                execute(engine.carpdev(old.withLink(false), clock.getAsLong()));
                log.warn("carpdev", name + ": interface vanished");
            }
        } catch (IOException e) {
            log.error("carpdev", name + ": " + e.getMessage());
        }
    }

    /** Makes the host's carp interfaces and open links match the configuration. */
    private void syncHost() {
        Map<String, String> wanted = new HashMap<>();
        for (VhostConfig c : doc.interfaces()) {
            if (c.carpdev() != null && c.vhid() > 0 && carpdevs.containsKey(c.carpdev())) {
                wanted.put(c.name(), c.carpdev() + "/" + c.vhid() + "/" + c.addresses().stream().anyMatch(v -> !v.isIPv4()));
            }
        }
        foreign.retainAll(wanted.keySet());
        for (String name : new ArrayList<>(created.keySet())) {
            if (!wanted.getOrDefault(name, "").equals(created.get(name))) {
                destroy(name);
            }
        }
        for (var e : wanted.entrySet()) {
            if (!created.containsKey(e.getKey())) {
                VhostConfig c = doc.find(e.getKey()).orElseThrow();
                try {
                    host.createCarpInterface(c.name(), c.carpdev(), MacAddress.virtual(c.vhid()),
                            c.addresses().stream().anyMatch(v -> !v.isIPv4()));
                    created.put(c.name(), e.getValue());
                    foreign.remove(c.name());
                    host.kernelArp(c.name(), doc.sysctls().arpbalance() == 0);
                } catch (HostNetwork.ForeignInterfaceException ex) {
                    if (foreign.add(c.name())) {
                        log.line("error", c.name(), c.vhid(), "host", ex.getMessage(), "");
                    }
                } catch (IOException ex) {
                    log.error("host", c.name() + ": cannot create: " + ex.getMessage());
                }
            }
        }
        Set<String> devs = new TreeSet<>();
        wanted.values().forEach(v -> devs.add(v.substring(0, v.indexOf('/'))));
        for (String d : new ArrayList<>(open.keySet())) {
            if (!devs.contains(d)) {
                open.remove(d).close();
            }
        }
        for (String d : devs) {
            if (!open.containsKey(d)) {
                try {
                    open.put(d, links.open(d, (dev, f) -> loop.accept(() -> frame(dev, f))));
                } catch (IOException ex) {
                    log.error("link", d + ": " + ex.getMessage());
                }
            }
        }
    }

    private void destroy(String name) {
        try {
            host.destroyCarpInterface(name);
        } catch (IOException e) {
            log.error("host", name + ": cannot remove: " + e.getMessage());
        }
        created.remove(name);
    }

    // ------------------------------------------------------------------ effects

    private void execute(List<Action> actions) {
        for (Action a : actions) {
            if (a instanceof Action.SendFrame f) {
                Link l = open.get(f.carpdev());
                if (l == null) {
                    continue;
                }
                try {
                    l.send(f.frame());
                } catch (IOException e) {
                    log.line("warning", f.ifname(), 0, "send", e.getMessage(), "");
                }
            } else if (a instanceof Action.TakeAddresses t) {
                VhostConfig c = doc.find(t.ifname()).orElse(null);
                Carpdev cd = c == null ? null : carpdevs.get(c.carpdev());
                try {
                    host.addAddresses(t.ifname(), t.addresses(), cd == null ? List.of() : cd.addresses());
                } catch (IOException e) {
                    log.line("error", t.ifname(), 0, "address", "cannot add addresses: " + e.getMessage(), "");
                }
            } else if (a instanceof Action.ReleaseAddresses r) {
                try {
                    host.removeAddresses(r.ifname(), r.addresses());
                } catch (IOException e) {
                    log.line("error", r.ifname(), 0, "address", "cannot remove addresses: " + e.getMessage(), "");
                }
            } else if (a instanceof Action.StateChange sc) {
                transitions.merge(sc.ifname(), 1L, Long::sum);
                if (hooks != null) {
                    VhostConfig c = doc.find(sc.ifname()).orElse(null);
                    hooks.transition(sc, c == null ? null : c.carpdev(), c == null ? List.of() : c.addresses());
                }
                log.line(sc.to() == CarpState.MASTER || sc.from() == CarpState.MASTER ? "warning" : "info",
                        sc.ifname(), sc.vhid(), "state", sc.toString(),
                        " from=" + sc.from() + " to=" + sc.to());
            } else if (a instanceof Action.Log l) {
                log.line(l.level().name().toLowerCase(), l.ifname(), l.vhid(), "carp", l.message(), "");
            }
        }
    }
}
