package org.carp4j.daemon;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.carp4j.config.StateDocument;
import org.carp4j.config.StateFile;
import org.carp4j.control.ControlClient;
import org.carp4j.control.ControlFile;
import org.carp4j.control.ControlPort;
import org.carp4j.control.ControlServer;
import org.carp4j.control.ExitCode;
import org.carp4j.host.CarpProtocolSocket;
import org.carp4j.host.CarpdevSysctls;
import org.carp4j.host.HostNetwork;
import org.carp4j.host.InterfaceEvents;
import org.carp4j.host.IpCommandHost;
import org.carp4j.link.PacketSocketLink;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** carpd(8): the CARP daemon. Runs in the foreground, as systemd expects. */
@Command(name = "carpd", mixinStandardHelpOptions = true, versionProvider = org.carp4j.cli.Version.class,
        description = "Keeps the carp interfaces' state, speaks CARP on their carpdevs and moves the virtual addresses.")
public final class Carpd implements Callable<Integer> {
    static final int EX_CONFIG = ExitCode.CONFIG;
    static final int EX_IOERR = ExitCode.IOERR;
    static final int EX_UNAVAILABLE = ExitCode.UNAVAILABLE;
    static final int EX_SOFTWARE = ExitCode.SOFTWARE;
    /** Another carpd holds the state directory. */
    static final int EX_TEMPFAIL = ExitCode.TEMPFAIL;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "State directory (default: $CARPD_STATE_DIR or /var/lib/carpd).")
    Path stateDir;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + ControlPort.DEFAULT,
            description = "Control port on 127.0.0.1 (default: ${DEFAULT-VALUE}, which only root can bind; 0 picks a free one).")
    int port;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://127.0.0.1:PORT/metrics (off unless given).")
    Integer metricsPort;

    @Option(names = "--hooks-dir", paramLabel = "DIR",
            description = "Executables run on every state change, in name order (default: STATE_DIR/hooks.d).")
    Path hooksDir;

    @Option(names = "--upscript", paramLabel = "FILE", description = "ucarp-style: run as FILE CARPDEV ADDRESS on becoming MASTER.")
    Path upscript;

    @Option(names = "--downscript", paramLabel = "FILE", description = "ucarp-style: run as FILE CARPDEV ADDRESS on leaving MASTER.")
    Path downscript;

    @Option(names = "--hook-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "Time limit of each hook run (default: ${DEFAULT-VALUE}).")
    int hookTimeout;

    @Option(names = "--cleanup", description = "Remove what a killed carpd left on the host (its carp interfaces and their addresses), then exit.")
    boolean cleanup;

    @Option(names = "--check", arity = "0..1", paramLabel = "FILE", fallbackValue = "",
            description = "Check the state file (or FILE, one prepared by hand), report every problem with its place"
                    + " in the document, and exit: 0 valid, 78 invalid, 74 unreadable.")
    String check;

    /** Written by its own thread: a stalled standard error must never stall the adverts. */
    private final Log log = Log.background(System.err, 4096);

    public static void main(String[] args) {
        Carpd carpd = new Carpd();
        System.setErr(carpd.log.stream()); // every other write to standard error goes through the writer too
        int code = new CommandLine(carpd).execute(args);
        carpd.log.flush(2000);
        System.exit(code);
    }

    @Override
    public Integer call() throws Exception {
        Path dir = stateDir != null ? stateDir : ControlClient.defaultStateDir();
        StateFile store = new StateFile(dir);
        if ((cleanup || check == null) && !Preflight.privileged()) {
            System.err.println(Preflight.NOT_PRIVILEGED); // before anything is touched
            return Preflight.EX_NOPERM;
        }
        HostNetwork host = new IpCommandHost().keepCarpdevSysctlsIn(dir.resolve(CarpdevSysctls.FILE));
        if (cleanup) {
            return cleanup(dir, host);
        }
        if (check != null) {
            return check(check.isEmpty() ? store.path() : Path.of(check));
        }
        Path hooks = hooksDir != null ? hooksDir : dir.resolve("hooks.d");
        if (insecure(dir, hooks)) {
            return EX_CONFIG;
        }
        Signals.ignoreHangup(log);
        StateDocument doc;
        try {
            doc = store.load();
        } catch (StateFile.InvalidStateException e) {
            PrintWriter err = new PrintWriter(System.err, true);
            e.problems().forEach(p -> err.println("carpd: " + store.path() + ": " + p));
            err.println("carpd: refusing to start; the file was left as it is. Fix it, or move it away to start empty.");
            return EX_CONFIG;
        } catch (IOException e) {
            System.err.println("carpd: " + store.path() + ": " + e.getMessage());
            return EX_IOERR;
        }
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (insecure(dir, hooks)) { // again: another user may have made it between the check and now
            return EX_CONFIG;
        }
        return run(dir, store, doc, host);
    }

    /** Refuses, naming every path another user could change: carpd would trust it as root. */
    private boolean insecure(Path dir, Path hooks) {
        List<String> problems = Preflight.paths(dir, hooks, upscript, downscript);
        problems.forEach(p -> System.err.println("carpd: " + p));
        if (!problems.isEmpty()) {
            System.err.println("carpd: refusing to start: the state directory, hooks and scripts must be root's"
                    + " and writable by root only");
        }
        return !problems.isEmpty();
    }

    /** What a dead carpd left behind; refused while a carpd holds the state directory or runs in this namespace. */
    private static int cleanup(Path dir, HostNetwork host) throws IOException, InterruptedException {
        try (StateLock lock = StateLock.acquire(dir)) {
            if (lock.file() != null && !DeadManSwitch.awaitGuards(lock.file(), DeadManSwitch.WAIT_SECONDS)) {
                System.err.println("carpd: a guard still holds " + lock.file() + "; cleaning up beside it");
            }
            List<String> removed = host.cleanup();
            List<String> restored = host.restoreCarpdevSysctls();
            ControlFile.remove(dir);
            if (removed.isEmpty() && restored.isEmpty()) {
                System.out.println("carpd: nothing to clean up");
            }
            if (!removed.isEmpty()) {
                System.out.println("carpd: removed " + String.join(" ", removed));
            }
            if (!restored.isEmpty()) {
                System.out.println("carpd: restored " + String.join(" ", restored));
            }
            return 0;
        } catch (StateLock.Held e) {
            System.err.println("carpd: " + e.getMessage() + "; refusing to clean up under it (stop it instead)");
            return EX_TEMPFAIL;
        }
    }

    private static int check(Path file) {
        try {
            StateDocument doc = StateFile.parse(file, Files.readAllBytes(file));
            System.out.println("carpd: " + file + ": valid (" + doc.interfaces().size() + " carp interfaces)");
            return 0;
        } catch (StateFile.InvalidStateException e) {
            e.problems().forEach(p -> System.out.println("carpd: " + file + ": " + p));
            return EX_CONFIG;
        } catch (IOException e) {
            System.out.println("carpd: " + file + ": cannot read: " + e.getMessage());
            return EX_IOERR;
        }
    }

    /** The kernel's news of links and addresses (rtnetlink); null, with a warning, where it is refused. */
    private InterfaceEvents watchInterfaces(EventLoop loop, Daemon daemon) {
        try {
            return InterfaceEvents.start(loop::post, daemon::interfaceChanged, m -> log.error("carpdev", m));
        } catch (IOException e) {
            log.warn("carpdev", "no rtnetlink events (carriers and deleted VIPs are polled instead; carpdev"
                    + " addresses added after start are seen only on a carrier change or a commit): " + e.getMessage());
            return null;
        }
    }

    /** Null, with a warning, where the kernel refuses a raw socket; carpd works without it. */
    private CarpProtocolSocket openProtocolSocket() {
        try {
            return CarpProtocolSocket.open();
        } catch (IOException e) {
            log.warn("carppeer", "unicast adverts will be answered with ICMP protocol-unreachable: " + e.getMessage());
            return null;
        }
    }

    /**
     * Last resort for a thread that died: an OutOfMemoryError the JVM did not already exit for
     * (-XX:+ExitOnOutOfMemoryError) ends the process, so the dead-man's switch and systemd take over
     * instead of a half-alive daemon holding the VIP.
     */
    private static void uncaught(Thread t, Throwable e) {
        if (e instanceof OutOfMemoryError) {
            Runtime.getRuntime().halt(EX_SOFTWARE); // first: nothing may delay the end (the guard cleans up)
        }
        System.err.println("time=" + java.time.Instant.now() + " level=error event=internal msg="
                + Log.quote(t.getName() + ": " + e));
    }

    /**
     * Starts everything in order, each registered with the lifecycle as it starts, and waits for
     * the stop. The state lock and the guard come first: nothing on the host is touched before
     * this carpd owns the state directory and a guard will undo its work if it dies.
     */
    private int run(Path dir, StateFile store, StateDocument doc, HostNetwork host) throws Exception {
        Thread.setDefaultUncaughtExceptionHandler(Carpd::uncaught);
        Lifecycle life = new Lifecycle(log);
        // SIGHUP re-reads the state file once the daemon runs; until then it is logged and ignored
        AtomicReference<Runnable> reload = new AtomicReference<>(() -> log.info("signal", "SIGHUP while starting: ignored"));
        Signals.install(log, () -> {
            log.info("stop", "stopping: masters bow out and release their addresses");
            life.stop(0);
        }, () -> reload.get().run());
        try {
            StateLock lock = StateLock.acquire(dir);
            life.started("state lock", lock::close);
            DeadManSwitch guard = DeadManSwitch.arm(lock.file(), log, () -> stopInBackground(life, EX_UNAVAILABLE));
            life.started("dead-man's switch", guard::close);
            for (String leftover : host.cleanup()) { // e.g. carpd and its guard killed together
                log.warn("cleanup", "removed " + leftover + " left behind by a previous carpd");
            }
            for (String sysctl : host.restoreCarpdevSysctls()) {
                log.warn("cleanup", "restored " + sysctl + ", left changed by a previous carpd");
            }
            start(life, dir, store, doc, host, reload);
        } catch (StateLock.Held e) {
            System.err.println("carpd: " + e.getMessage());
            return EX_TEMPFAIL;
        } catch (Lifecycle.Stopping e) {
            // a signal came during the start; the stop it started has run
        } catch (OutOfMemoryError e) {
            throw e; // the JVM exits (ExitOnOutOfMemoryError); the guard cleans up
        } catch (Throwable e) { // an Error too: never leave a half-started daemon without its stop
            log.error("start", "cannot start: " + (e instanceof Exception && e.getMessage() != null ? e.getMessage() : e));
            life.stop(EX_UNAVAILABLE);
        }
        int code = life.awaitStopped();
        log.info("stop", "stopped; configuration kept in " + store.path());
        return code;
    }

    private void stopInBackground(Lifecycle life, int code) {
        new Thread(() -> {
            log.info("stop", "stopping: masters bow out and release their addresses");
            life.stop(code);
        }, "carpd-stop").start();
    }

    private void start(Lifecycle life, Path dir, StateFile store, StateDocument doc, HostNetwork host,
                       AtomicReference<Runnable> reload) throws Exception {
        CarpProtocolSocket protocolSocket = openProtocolSocket();
        if (protocolSocket != null) {
            life.started("protocol socket", protocolSocket::close);
        }
        HostWorker hostWorker = new HostWorker(log);
        Daemon daemon = new Daemon(store, doc, host,
                PacketSocketLink::new,
                log, System::nanoTime, hostWorker);
        Hooks hooks = new Hooks(new Hooks.Options(hooksDir != null ? hooksDir : dir.resolve("hooks.d"), upscript,
                downscript, Math.max(1, hookTimeout) * 1000L), log);
        daemon.hooks(hooks);
        life.started("hooks", hooks::drain); // drained once the carp interfaces are gone: their last transitions run hooks
        EventLoop loop = new EventLoop(System::nanoTime, daemon, log);
        daemon.attach(loop::offer, loop::post);
        loop.start();
        life.started("event loop", loop::stop);

        // Bound before the host is touched: a port someone else holds stops the start with nothing to undo.
        // Nobody can use it before the control file names it.
        ControlFile credential = ControlFile.fresh(port);
        ControlServer server;
        try {
            server = new ControlServer(port, credential.token(), new ControlGate(loop, daemon, host, hostWorker)::serve);
        } catch (IOException e) {
            throw new IOException(ControlPort.cannotListen(port, e), e);
        }
        life.started("control server", server::close);

        // registered before the start, so a start that fails half-way is undone
        life.started("carp interfaces", () -> loop.callFirst(() -> { // ahead of any flood: the bow-out must go out
            daemon.stop();
            return null;
        }, 20_000));
        loop.call(() -> {
            daemon.start();
            return null;
        }, 30_000);
        reload.set(() -> loop.post(() -> Reload.apply(store, daemon, log)));

        new ControlFile(server.port(), credential.token()).write(dir);
        life.started("control file", () -> ControlFile.remove(dir));
        log.info("control", "listening on 127.0.0.1:" + server.port());
        ControlPort.warning(port, ControlPort.unprivilegedStart()).ifPresent(w -> log.warn("control", w));
        if (metricsPort != null) {
            com.sun.net.httpserver.HttpServer metrics = MetricsServer.start(metricsPort,
                    () -> loop.call(() -> daemon.metrics(loop), 5_000));
            life.started("metrics server", () -> metrics.stop(0));
            log.info("metrics", "serving http://127.0.0.1:" + metrics.getAddress().getPort() + "/metrics");
        }

        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "link-watch");
            t.setDaemon(true);
            return t;
        });
        life.started("link watcher", watcher::shutdownNow);
        InterfaceEvents interfaceEvents = watchInterfaces(loop, daemon);
        if (interfaceEvents != null) {
            life.started("interface events", interfaceEvents::close);
            loop.post(daemon::eventsRunning);
        }
        // with rtnetlink events the poll is a slow safety net; without them it is how changes are seen
        long poll = interfaceEvents != null ? Daemon.SAFETY_POLL_MILLIS : 100;
        watcher.scheduleWithFixedDelay(() -> {
            try { // a task that throws is never run again: catch everything
                loop.offer(daemon::pollCarriers);
            } catch (Throwable e) {
                log.error("internal", "link watch: " + e);
            }
        }, 100, poll, TimeUnit.MILLISECONDS);
        SystemdNotify systemd = SystemdNotify.fromEnvironment(System.getenv());
        life.started("systemd", () -> systemd.send("STOPPING=1"));
        Watchdog.start(systemd, watcher, loop::post);
        systemd.send("READY=1\nSTATUS=listening on 127.0.0.1:" + server.port());
    }
}
