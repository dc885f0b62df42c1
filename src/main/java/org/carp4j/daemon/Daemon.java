package org.carp4j.daemon;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
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
import org.carp4j.link.FrameBatch;
import org.carp4j.link.Link;
import org.carp4j.host.InterfaceEvents;

/**
 * The running carpd: the configuration document and its commit, driving the engine. The host side
 * is in {@link CarpInterfaces} (carpN and links), {@link CarpdevFacts} (what the carpdevs are) and
 * {@link Effects} (what the engine asks for); host changes run on the {@link HostWorker}. Every
 * method here runs on the event loop thread, so nothing needs a lock, except {@link #save}: a
 * control request's fsync runs on the control thread (see {@link ControlGate}), because at
 * advbase 0 an advert is due every few tens of milliseconds and an fsync can take as long.
 */
final class Daemon implements EventLoop.Timers, Requests.Target {
    interface LinkOpener extends CarpInterfaces.LinkOpener {
    }

    /** Writes a document to disk, durably (StateFile.save; a test may slow it down). */
    interface Saver {
        void save(StateDocument next) throws IOException;
    }

    /**
     * A control request checked on the loop: its answer, and the change it makes (null: none),
     * which must be saved and then applied (with the forced states that follow it) on the loop.
     */
    record Staged(Protocol.Response response, StateDocument base, StateDocument next,
                  List<Map.Entry<String, CarpState>> forced) {
    }

    /** The addresses carpd holds are checked against the host about once a second: every 10th poll. */
    static final int ADDRESS_CHECK_EVERY = 10;
    /** The poll's period while rtnetlink events arrive: a safety net against lost news only. */
    static final long SAFETY_POLL_MILLIS = 2000;

    private final StateFile store;
    private final HostNetwork host;
    private final Log log;
    private final LongSupplier clock;
    /**
     * Seeded once from the system's CSPRNG, then fast: the engine draws per advert (IP ID, and a
     * lone master's counter), and a SecureRandom there read /dev/urandom and ran SHA-1 each time.
     * Nothing drawn is secret: the counter and the IP ID go on the wire in clear, and adverts are
     * protected by the HMAC and the replay check, not by unpredictability. One counter seen on the
     * wire gives away the whole stream, so nothing secret may ever be drawn from it.
     */
    private final CarpEngine engine = new CarpEngine(new SplittableRandom(new SecureRandom().nextLong()));
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
    /** Set by the stop: what still reaches the loop before it ends (frames, requests, timers) is ignored. */
    private boolean stopped;
    private int addressCheckEvery = ADDRESS_CHECK_EVERY;
    private Consumer<Runnable> internal = Runnable::run;
    Saver saver;
    private final Object saving = new Object();
    /** While {@link #stage} runs: commit and force only record what they would do. */
    private boolean staging;
    private StateDocument staged;
    private final List<Map.Entry<String, CarpState>> stagedForce = new ArrayList<>();

    Daemon(StateFile store, StateDocument doc, HostNetwork host, LinkOpener links, Log log, LongSupplier clock,
           HostWorker hostWorker) {
        this.store = store;
        this.saver = store::save;
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
    void attach(Predicate<Runnable> frames, Consumer<Runnable> internal) {
        this.internal = internal;
        facts.attach(internal, this::carpdevChanged);
        ifaces.attach(internal, new Link.Receiver() {
            @Override
            public void frame(String dev, byte[] f) {
                frames.test(() -> Daemon.this.frame(dev, f));
            }

            @Override
            public void frames(String dev, FrameBatch batch) {
                // one queue entry, one wake-up of the loop, for everything the capture read at once
                if (!frames.test(() -> batch(dev, batch))) {
                    batch.release();
                }
            }
        }, this::foreignChanged);
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
        stopped = true;
        deferred.clear();
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
        return stopped ? Long.MAX_VALUE : engine.nextDeadline();
    }

    @Override
    public void fire(long now) {
        if (!stopped) {
            execute(engine.tick(now));
        }
    }

    /** The frames of one capture wake-up; their buffers go back to the link afterwards. */
    void batch(String carpdev, FrameBatch batch) {
        try {
            if (stopped) {
                return; // between the bow-out and the loop's end: nothing may make a master again
            }
            long now = clock.getAsLong();
            for (int i = 0; i < batch.size(); i++) {
                byte[] f = batch.buffer(i);
                int n = batch.length(i);
                boolean arp = n > 13 && f[12] == 0x08 && f[13] == 0x06;
                List<Action> actions = arp ? engine.arp(carpdev, Arrays.copyOf(f, n), now)
                        : engine.receive(carpdev, f, n, now);
                if (!actions.isEmpty()) {
                    execute(actions);
                }
            }
        } finally {
            batch.release();
        }
    }

    void frame(String carpdev, byte[] frame) {
        if (stopped) {
            return; // between the bow-out and the loop's end: nothing may make a master again
        }
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
        if (stopped) {
            return;
        }
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
        if (stopped) {
            return;
        }
        Set<String> devs = carpdevNames();
        boolean answerArp = doc.sysctls().arpbalance() == 0;
        if (name == null) {
            facts.refresh(devs);
            ifaces.checkDrift(answerArp, effects::reassert);
            effects.checkAddresses(effects.held().keySet()); // queued even behind the reads
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
                + Metrics.hooks(effects.hooksDropped())
                + Metrics.demotion(doc, engine::advskewSent, engine.demotion())
                + Metrics.capture(ifaces.links());
    }

    // ------------------------------------------------------------------ control requests

    /** One request; hostView is the host's interfaces, read off the loop by the caller (or null). */
    Protocol.Response handle(Protocol.Request r, List<HostInterface> hostView, IOException hostViewError) {
        if (stopped) {
            return Protocol.Response.error(Carpd.EX_UNAVAILABLE, "carpd is stopping");
        }
        this.hostView = hostView;
        this.hostViewError = hostViewError;
        try {
            return requests.handle(r);
        } finally {
            this.hostView = null;
            this.hostViewError = null;
        }
    }

    /** On the loop: checks a request and answers it, but leaves its change to be saved and applied. */
    Staged stage(Protocol.Request r, List<HostInterface> hostView, IOException hostViewError) {
        staging = true;
        try {
            Protocol.Response response = handle(r, hostView, hostViewError);
            return new Staged(response, doc, staged, List.copyOf(stagedForce));
        } finally {
            staging = false;
            staged = null;
            stagedForce.clear();
        }
    }

    /** Off the loop (the control thread): the fsync of a staged change; null, or the error answer. */
    Protocol.Response saveStaged(Staged s) {
        try {
            save(s.next());
            return null;
        } catch (IOException e) {
            log.error("save", "cannot save the configuration: " + e.getMessage());
            return Protocol.Response.error(74, "cannot save configuration: " + e.getMessage() + " (nothing changed)");
        }
    }

    /**
     * On the loop, once saved: applies a staged change and forces what the request forced; null
     * if the configuration changed in between (a SIGHUP reload), so the request must run again.
     */
    Protocol.Response finish(Staged s) {
        if (stopped) {
            return Protocol.Response.error(Carpd.EX_UNAVAILABLE, "carpd is stopping; the change is saved and"
                    + " applies at the next start");
        }
        if (!doc.equals(s.next())) {
            if (!doc.equals(s.base())) {
                return null; // reloaded meanwhile, to something else: the request runs again on it
            }
            apply(s.next());
        } // else a SIGHUP read back the file this request had just saved: applied already, only its forced states remain

        for (var f : s.forced()) {
            try {
                force(f.getKey(), f.getValue());
            } catch (CommandException e) {
                return Protocol.Response.error(1, e.getMessage());
            }
        }
        return s.response();
    }

    /**
     * A staged request whose base a reload replaced runs again on the new document. If it is now
     * refused, the file (which holds the staged change) is written back to what runs, so that a
     * restart does not bring up a change the client was told was refused.
     */
    Protocol.Response rerun(Protocol.Request req, List<HostInterface> hostView, IOException hostViewError) {
        Protocol.Response r = handle(req, hostView, hostViewError);
        if (r.exit() != 0 && !stopped) {
            try {
                save(doc);
            } catch (IOException e) {
                log.error("save", "cannot save the configuration: " + e.getMessage());
            }
        }
        return r;
    }

    private void save(StateDocument next) throws IOException {
        synchronized (saving) { // the control thread and a SIGHUP reload on the loop share carpd.json.tmp
            try {
                saver.save(next);
            } catch (IOException e) {
                throw new IOException(store.path() + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public StateDocument doc() {
        return doc;
    }

    @Override
    public void force(String ifname, CarpState state) throws CommandException {
        if (staging && staged != null) {
            stagedForce.add(Map.entry(ifname, state)); // after the change it follows is saved and applied
            return;
        }
        try {
            execute(engine.forceState(ifname, state, clock.getAsLong()));
        } catch (IllegalStateException e) {
            String dev = doc.find(ifname).map(VhostConfig::carpdev).orElse(null);
            if (dev != null && facts.pending(dev) && !facts.known(dev)) {
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
    public int advskewSent(String ifname, int configured) {
        return engine.state(ifname) == null ? configured : engine.advskewSent(ifname);
    }

    @Override
    public String demotion() {
        return engine.demotion();
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

    /** A SIGHUP read this document from carpd.json: applied on the loop, not saved again (no fsync here). */
    @Override
    public void applyLoaded(StateDocument next) throws IOException {
        if (stopped) {
            throw new IOException("carpd is stopping; nothing changed");
        }
        if (!next.equals(doc)) {
            apply(next);
        }
    }

    /** Saves first, then applies: an acknowledged change is on disk, a failed save changes nothing. */
    @Override
    public void commit(StateDocument next) throws IOException {
        if (stopped) {
            throw new IOException("carpd is stopping; nothing changed");
        }
        if (next.equals(doc)) {
            return;
        }
        if (staging) {
            staged = next;
            return;
        }
        save(next);
        apply(next);
    }

    private void apply(StateDocument next) {
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
        if (stopped) {
            return; // a read that finished during the stop must not reopen a capture nor elect
        }
        // the capture first, then the election: the master-down timer must not run while nothing
        // can be heard yet (opening it takes tens of ms, most of a master-down at advbase 0)
        ifaces.sync(doc, facts);
        long now = clock.getAsLong(); // one election step for all: their groups' timers run together
        for (Carpdev c : changed) {
            execute(engine.carpdev(c, now));
        }
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
        if (stopped) {
            return;
        }
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
