package org.carp4j.daemon;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
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
import org.carp4j.host.InterfaceEvents;

/**
 * The running carpd: the configuration document and its commit, driving the engine. The host side
 * is in {@link CarpInterfaces} (carpN and links), {@link CarpdevFacts} (what the carpdevs are) and
 * {@link Effects} (what the engine asks for); host changes run on the {@link HostWorker}. Every
 * method here runs on the event loop thread, so nothing needs a lock.
 */
final class Daemon implements EventLoop.Timers, Requests.Target {
    interface LinkOpener extends CarpInterfaces.LinkOpener {
    }

    /** The addresses carpd holds are checked against the host about once a second: every 10th poll. */
    static final int ADDRESS_CHECK_EVERY = 10;
    /** The poll's period while rtnetlink events arrive: a safety net against lost news only. */
    static final long SAFETY_POLL_MILLIS = 2000;

    private final StateFile store;
    private final HostNetwork host;
    private final Log log;
    private final LongSupplier clock;
    private final CarpEngine engine = new CarpEngine(new SecureRandom());
    private final HostQueue worker;
    private final CarpdevFacts facts;
    private final CarpInterfaces ifaces;
    private final Effects effects;
    private final Requests requests;
    /** `state master` asked while the carpdev was still being read: carried out once it is known. */
    private final Map<String, CarpState> deferred = new HashMap<>();
    private StateDocument doc;
    private List<HostInterface> hostView;
    private IOException hostViewError;
    private int polls;
    private int addressCheckEvery = ADDRESS_CHECK_EVERY;
    private Consumer<Runnable> internal = Runnable::run;

    Daemon(StateFile store, StateDocument doc, HostNetwork host, LinkOpener links, Log log, LongSupplier clock,
           HostWorker hostWorker) {
        this.store = store;
        this.doc = doc;
        this.host = host;
        this.log = log;
        this.clock = clock;
        this.worker = new HostQueue(hostWorker, log);
        this.facts = new CarpdevFacts(host, worker, log);
        this.ifaces = new CarpInterfaces(host, worker, links, log);
        this.effects = new Effects(host, worker, ifaces, facts, () -> this.doc, log);
        this.requests = new Requests(this, log);
        worker.resyncWith(this::resync);
    }

    /**
     * frames: where captured frames go (bounded, may drop); internal: where the host worker's
     * results go (always taken). Both run the task on the loop thread.
     */
    void attach(Consumer<Runnable> frames, Consumer<Runnable> internal) {
        this.internal = internal;
        facts.attach(internal, this::carpdevChanged);
        ifaces.attach(internal, (dev, f) -> frames.accept(() -> frame(dev, f)), this::foreignChanged);
        effects.attach(internal);
        effects.onAdvertSent((ifname, ok) -> execute(engine.sent(ifname, ok, clock.getAsLong())));
    }

    void hooks(Hooks h) {
        effects.hooks(h);
    }

    /** Rebuilds everything the saved configuration describes; carpdevs join as they are read. */
    void start() {
        facts.refresh(carpdevNames());
        execute(engine.apply(runnable(), doc.sysctls(), doc.demote(), clock.getAsLong()));
        log.info("start", "restored " + doc.interfaces().size() + " carp interface(s) from " + store.path());
    }

    /**
     * SIGTERM: masters bow out (the advert goes out at once) and release their addresses; our
     * interfaces go away. Waits here, on the loop, until the host worker has done it all: nothing
     * else is left to do.
     */
    void stop() {
        execute(engine.shutdown());
        ifaces.destroyAll();
        try {
            if (!worker.worker().awaitIdle(15_000)) {
                log.error("stop", "host changes still pending after 15 s; carpd --cleanup removes what is left");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker.worker().close();
        ifaces.closeLinks();
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

    /**
     * Polled without forking (every 100 ms, or every {@link #SAFETY_POLL_MILLIS} while rtnetlink
     * events arrive): carriers, carpdevs appearing or vanishing, carp interfaces deleted behind
     * carpd's back; every {@link #addressCheckEvery}th poll, the addresses they hold.
     */
    void pollCarriers() {
        facts.poll(carpdevNames());
        ifaces.checkDrift(doc.sysctls().arpbalance() == 0, effects::reassert);
        if (++polls % addressCheckEvery == 0) {
            effects.checkAddresses();
        }
    }

    /** rtnetlink events arrive: the poll is only a safety net, the addresses are checked on each. */
    void eventsRunning() {
        addressCheckEvery = 1;
    }

    /**
     * The kernel said an interface's link or addresses changed (null: it dropped such news, so all
     * may have). A carpdev's carrier counts at once and it is read again, so an address it gets
     * after carpd started becomes the adverts' source; a carp interface or a VIP deleted behind
     * carpd's back is put back now rather than at the next poll.
     */
    void interfaceChanged(String name, InterfaceEvents.Kind kind) {
        Set<String> devs = carpdevNames();
        boolean answerArp = doc.sysctls().arpbalance() == 0;
        if (name == null) {
            facts.refresh(devs);
            ifaces.checkDrift(answerArp, effects::reassert);
            effects.held().keySet().forEach(effects::checkAddresses); // queued even behind the reads
            return;
        }
        if (devs.contains(name)) {
            facts.linkChanged(name);
        }
        if (kind == InterfaceEvents.Kind.LINK_REMOVED) {
            ifaces.checkDrift(answerArp, effects::reassert);
        } else if (kind == InterfaceEvents.Kind.ADDRESS_REMOVED) {
            effects.checkAddresses(name);
        }
    }

    Set<String> carpdevNames() {
        Set<String> s = new TreeSet<>();
        doc.interfaces().stream().map(VhostConfig::carpdev).filter(d -> d != null).forEach(s::add);
        return s;
    }

    /** The Prometheus page; runs on the loop like everything else, so it is never stale. */
    String metrics(EventLoop loop) {
        return Metrics.render(doc, this::state, engine::peerResolved, effects.transitions(), engine.stats())
                + Metrics.queues(loop.dropped(), loop.refused(), worker.worker().dropped(), worker.worker().backlog())
                + Metrics.hooks(effects.hooksDropped());
    }

    // ------------------------------------------------------------------ control requests

    /** One request; hostView is the host's interfaces, read off the loop by the caller (or null). */
    Protocol.Response handle(Protocol.Request r, List<HostInterface> hostView, IOException hostViewError) {
        this.hostView = hostView;
        this.hostViewError = hostViewError;
        try {
            return requests.handle(r);
        } finally {
            this.hostView = null;
            this.hostViewError = null;
        }
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
            String dev = doc.find(ifname).map(VhostConfig::carpdev).orElse(null);
            if (dev != null && facts.pending(dev)) {
                deferred.put(ifname, state); // the carpdev is being read; decided when it is known
                return;
            }
            throw new CommandException(e.getMessage());
        }
    }

    /** The truth: an interface missing from the host is shown INIT, whatever the election says. */
    @Override
    public CarpState state(String ifname) {
        CarpState s = engine.state(ifname);
        return s != null && s != CarpState.INIT && !ifaces.present(ifname) ? CarpState.INIT : s;
    }

    @Override
    public Map<String, Long> stats() {
        return engine.stats().snapshot();
    }

    @Override
    public List<HostInterface> hostInterfaces() throws IOException {
        if (hostViewError != null) {
            throw hostViewError;
        }
        if (hostView == null) {
            throw new IOException("the host's interfaces were not read for this request");
        }
        return hostView;
    }

    @Override
    public boolean foreignInterface(String name) {
        return host.foreignInterface(name);
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
            ifaces.kernelArp(doc.sysctls().arpbalance() == 0);
        }
        facts.refresh(carpdevNames());
        ifaces.sync(doc, facts);
        execute(engine.apply(runnable(), doc.sysctls(), doc.demote(), clock.getAsLong()));
    }

    // ------------------------------------------------------------------ host

    private void carpdevChanged(List<Carpdev> changed) {
        long now = clock.getAsLong(); // one election step for all: their groups' timers run together
        for (Carpdev c : changed) {
            execute(engine.carpdev(c, now));
        }
        ifaces.sync(doc, facts);
        for (var e : new ArrayList<>(deferred.entrySet())) {
            String dev = doc.find(e.getKey()).map(VhostConfig::carpdev).orElse(null);
            if (changed.stream().anyMatch(c -> c.name().equals(dev))) {
                deferred.remove(e.getKey());
                try {
                    execute(engine.forceState(e.getKey(), e.getValue(), clock.getAsLong()));
                } catch (RuntimeException ex) {
                    log.error("state", e.getKey() + ": " + ex.getMessage());
                }
            }
        }
    }

    /**
     * A carpN name turned out to be held by an interface carpd did not make, or that interface
     * went away: the engine runs such a carp interface down (INIT) until the name is free.
     */
    private void foreignChanged() {
        ifaces.sync(doc, facts);
        execute(engine.apply(runnable(), doc.sysctls(), doc.demote(), clock.getAsLong()));
    }

    /** The configuration as the engine runs it: an interface whose name another interface holds stays in INIT. */
    private List<VhostConfig> runnable() {
        Set<String> foreign = ifaces.foreign();
        return doc.interfaces().stream().map(c -> foreign.contains(c.name()) ? c.withUp(false) : c).toList();
    }

    private void execute(List<Action> actions) {
        effects.execute(actions);
    }

    /** After a host-queue overflow: one job to the state the loop wants now (see {@link HostResync}). */
    private HostWorker.Job resync() {
        Map<String, CarpIface> made = ifaces.wanted();
        return HostResync.of(doc, ifaces, effects, facts, host, log, () -> internal.accept(() -> {
            ifaces.confirm(made);
            facts.requeuePending();
        }));
    }
}
