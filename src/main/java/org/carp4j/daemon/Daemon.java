package org.carp4j.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.carp4j.commands.Ifconfig;
import org.carp4j.commands.IfconfigRequest;
import org.carp4j.commands.InterfaceView;
import org.carp4j.commands.Sysctl;
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
final class Daemon implements EventLoop.Timers {
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
    private final Map<String, Carpdev> carpdevs = new HashMap<>();
    private final Map<String, Long> transitions = new HashMap<>();
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
        execute(engine.apply(doc.interfaces(), doc.sysctls(), doc.demote(), clock.getAsLong()));
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
        syncHost();
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
    }

    Set<String> carpdevNames() {
        Set<String> s = new TreeSet<>();
        doc.interfaces().stream().map(VhostConfig::carpdev).filter(d -> d != null).forEach(s::add);
        return s;
    }

    /** The Prometheus page; runs on the loop like everything else, so it is never stale. */
    String metrics() {
        return Metrics.render(doc, engine::state, engine::peerResolved, transitions, engine.stats());
    }

    // ------------------------------------------------------------------ control requests

    Protocol.Response handle(Protocol.Request r) {
        try {
            return switch (r.op()) {
                case "carpconfig" -> carpconfig(r.args());
                case "carpsysctl" -> carpsysctl(r.args());
                case "names" -> Protocol.Response.ok(String.join("\n", names()) + "\n");
                default -> Protocol.Response.error(2, "unknown op");
            };
        } catch (CommandException e) {
            return Protocol.Response.error(1, e.getMessage());
        } catch (IOException e) {
            log.error("save", "cannot save " + store.path() + ": " + e.getMessage());
            return Protocol.Response.error(74, "cannot save configuration: " + e.getMessage() + " (nothing changed)");
        } catch (UncheckedIOException e) {
            return Protocol.Response.error(74, "cannot list the host's interfaces: " + e.getCause().getMessage());
        } catch (RuntimeException e) {
            // a bug, not bad input: say so, keep serving; nothing was saved before the failure
            log.error("internal", r.op() + " failed: " + e);
            return Protocol.Response.error(70, "internal error: " + e.getClass().getSimpleName() + " (see carpd's log)");
        }
    }

    private List<String> names() {
        return doc.interfaces().stream().map(VhostConfig::name).toList();
    }

    private Protocol.Response carpconfig(List<String> args) throws CommandException, IOException {
        List<String> a = new ArrayList<>(args);
        boolean json = a.remove("--json");
        if (a.isEmpty()) {
            throw new CommandException("usage: carpconfig [-a | -l | -g group [[-]carpdemote [n]] | carpN [words ...]] [--json]");
        }
        switch (a.get(0)) {
            case "-l" -> {
                return Protocol.Response.ok(String.join(" ", names()) + "\n");
            }
            case "-a" -> {
                if (a.size() > 1) {
                    throw new CommandException(a.get(1) + ": bad value");
                }
                return show(doc.interfaces(), json);
            }
            case "-g" -> {
                return group(a.subList(1, a.size()));
            }
            default -> {
                if (a.get(0).startsWith("-")) {
                    throw new CommandException("illegal option -- " + a.get(0).substring(1));
                }
            }
        }
        String ifname = a.get(0);
        IfconfigRequest req = new Ifconfig(this::hostInterfaces).parse(doc, ifname, a.subList(1, a.size()));
        if (req.display()) {
            return show(List.of(doc.find(ifname).orElseThrow()), json);
        }
        commit(req.next());
        if (req.forceState().isPresent()) {
            try {
                execute(engine.forceState(ifname, req.forceState().get(), clock.getAsLong()));
            } catch (IllegalStateException e) {
                throw new CommandException(e.getMessage());
            }
        }
        return Protocol.Response.ok("");
    }

    private List<HostInterface> hostInterfaces() {
        try {
            return host.interfaces();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Protocol.Response group(List<String> a) throws CommandException, IOException {
        if (a.isEmpty()) {
            throw new CommandException("-g: missing group name");
        }
        if (!a.get(0).equals("carp")) {
            throw new CommandException(a.get(0) + ": no such group (carp interfaces are in group carp)");
        }
        if (a.size() == 1) {
            return Protocol.Response.ok("carp: carp demote count " + doc.demote() + "\n");
        }
        String op = a.get(1);
        if (!op.equals("carpdemote") && !op.equals("-carpdemote")) {
            throw new CommandException(op + ": bad value");
        }
        int n = 1;
        if (a.size() > 2) {
            if (!a.get(2).matches("[0-9]{1,10}")) {
                throw new CommandException("carp: invalid carp demotion: " + a.get(2));
            }
            long v = Long.parseLong(a.get(2));
            if (v > 128) {
                throw new CommandException("carp: invalid carp demotion: too large");
            }
            n = (int) v;
        }
        if (a.size() > 3) {
            throw new CommandException(a.get(3) + ": bad value");
        }
        int next = doc.demote() + (op.equals("carpdemote") ? n : -n);
        if (next < 0 || next > 255) {
            throw new CommandException("carp: carp demote count would be " + next + " (0..255)");
        }
        commit(doc.withDemote(next));
        return Protocol.Response.ok("");
    }

    private Protocol.Response carpsysctl(List<String> args) throws CommandException, IOException {
        Sysctl.Result r = new Sysctl().run(doc.sysctls(), engine.stats().snapshot(), args);
        if (!r.sysctls().equals(doc.sysctls())) {
            commit(doc.withSysctls(r.sysctls()));
        }
        return Protocol.Response.ok(r.lines().isEmpty() ? "" : String.join("\n", r.lines()) + "\n");
    }

    private Protocol.Response show(List<VhostConfig> list, boolean json) {
        List<InterfaceView> views = list.stream().map(c -> new InterfaceView(c,
                Optional.ofNullable(engine.state(c.name())).orElse(CarpState.INIT), doc.demote())).toList();
        if (json) {
            try {
                return Protocol.Response.ok(new ObjectMapper().writerWithDefaultPrettyPrinter()
                        .writeValueAsString(views.stream().map(InterfaceView::json).toList()) + "\n");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        StringBuilder b = new StringBuilder();
        views.forEach(v -> b.append(v.text()));
        return Protocol.Response.ok(b.toString());
    }

    /** Saves first, then applies: an acknowledged change is on disk, a failed save changes nothing. */
    private void commit(StateDocument next) throws IOException {
        if (next.equals(doc)) {
            return;
        }
        store.save(next);
        boolean arpChanged = next.sysctls().arpbalance() != doc.sysctls().arpbalance();
        doc = next;
        if (arpChanged) {
            created.keySet().forEach(n -> host.kernelArp(n, doc.sysctls().arpbalance() == 0));
        }
        refreshCarpdevs();
        syncHost();
        execute(engine.apply(doc.interfaces(), doc.sysctls(), doc.demote(), clock.getAsLong()));
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
                    host.kernelArp(c.name(), doc.sysctls().arpbalance() == 0);
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
