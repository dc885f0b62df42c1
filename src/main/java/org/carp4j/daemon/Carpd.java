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
import org.carp4j.config.StateDocument;
import org.carp4j.config.StateFile;
import org.carp4j.control.ControlClient;
import org.carp4j.control.ControlFile;
import org.carp4j.control.ControlServer;
import org.carp4j.control.Protocol;
import org.carp4j.host.CarpProtocolSocket;
import org.carp4j.host.HostNetwork;
import org.carp4j.host.IpCommandHost;
import org.carp4j.link.PcapLink;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** carpd(8): the CARP daemon. Runs in the foreground, as systemd expects. */
@Command(name = "carpd", mixinStandardHelpOptions = true, version = "carpd 0.1.0",
        description = "Keeps the carp interfaces' state, speaks CARP on their carpdevs and moves the virtual addresses.")
public final class Carpd implements Callable<Integer> {
    static final int EX_CONFIG = 78;
    static final int EX_IOERR = 74;
    static final int EX_UNAVAILABLE = 69;
    /** Another carpd holds the state directory. */
    static final int EX_TEMPFAIL = 75;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "State directory (default: $CARPD_STATE_DIR or /var/lib/carpd).")
    Path stateDir;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "7112",
            description = "Control port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 picks a free one).")
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

    private final Log log = new Log(System.err);

    public static void main(String[] args) {
        System.exit(new CommandLine(new Carpd()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = stateDir != null ? stateDir : ControlClient.defaultStateDir();
        StateFile store = new StateFile(dir);
        HostNetwork host = new IpCommandHost();
        if (cleanup) {
            return cleanup(dir, host);
        }
        if (check != null) {
            return check(check.isEmpty() ? store.path() : Path.of(check));
        }
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
        return run(dir, store, doc, host);
    }

    /** What a dead carpd left behind; refused while a carpd holds the state directory. */
    private static int cleanup(Path dir, HostNetwork host) throws IOException, InterruptedException {
        // No state directory: no carpd ever ran with it, so none can be running.
        try (StateLock lock = Files.isDirectory(dir) ? StateLock.acquire(dir) : null) {
            if (lock != null && !DeadManSwitch.awaitGuards(lock.file(), DeadManSwitch.WAIT_SECONDS)) {
                System.err.println("carpd: a guard still holds " + lock.file() + "; cleaning up beside it");
            }
            List<String> removed = host.cleanup();
            ControlFile.remove(dir);
            System.out.println(removed.isEmpty() ? "carpd: nothing to clean up"
                    : "carpd: removed " + String.join(" ", removed));
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
     * Starts everything in order, each registered with the lifecycle as it starts, and waits for
     * the stop. The state lock and the guard come first: nothing on the host is touched before
     * this carpd owns the state directory and a guard will undo its work if it dies.
     */
    private int run(Path dir, StateFile store, StateDocument doc, HostNetwork host) throws Exception {
        Lifecycle life = new Lifecycle(log);
        Signal.handle(new Signal("TERM"), s -> stopInBackground(life, 0));
        Signal.handle(new Signal("INT"), s -> stopInBackground(life, 0));
        try {
            StateLock lock = StateLock.acquire(dir);
            life.started("state lock", lock::close);
            DeadManSwitch guard = DeadManSwitch.arm(lock.file(), log, () -> stopInBackground(life, EX_UNAVAILABLE));
            life.started("dead-man's switch", guard::close);
            for (String leftover : host.cleanup()) { // e.g. carpd and its guard killed together
                log.warn("cleanup", "removed " + leftover + " left behind by a previous carpd");
            }
            start(life, dir, store, doc, host);
        } catch (StateLock.Held e) {
            System.err.println("carpd: " + e.getMessage());
            return EX_TEMPFAIL;
        } catch (Lifecycle.Stopping e) {
            // a signal came during the start; the stop it started has run
        } catch (Exception e) {
            log.error("start", "cannot start: " + e.getMessage());
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

    private void start(Lifecycle life, Path dir, StateFile store, StateDocument doc, HostNetwork host) throws Exception {
        CarpProtocolSocket protocolSocket = openProtocolSocket();
        if (protocolSocket != null) {
            life.started("protocol socket", protocolSocket::close);
        }
        Daemon daemon = new Daemon(store, doc, host,
                (dev, receiver) -> new PcapLink(dev, "ip proto 112 or ip6 proto 112 or arp", receiver),
                log, System::nanoTime);
        Hooks hooks = new Hooks(new Hooks.Options(hooksDir != null ? hooksDir : dir.resolve("hooks.d"), upscript,
                downscript, Math.max(1, hookTimeout) * 1000L), log);
        daemon.hooks(hooks);
        life.started("hooks", hooks::drain); // drained once the carp interfaces are gone: their last transitions run hooks
        EventLoop loop = new EventLoop(System::nanoTime, daemon);
        daemon.attach(loop::post);
        loop.start();
        life.started("event loop", loop::stop);
        // registered before the start, so a start that fails half-way is undone
        life.started("carp interfaces", () -> loop.call(() -> {
            daemon.stop();
            return null;
        }, 10_000));
        loop.call(() -> {
            daemon.start();
            return null;
        }, 30_000);

        ControlFile credential = ControlFile.fresh(port);
        ControlServer server;
        try {
            server = new ControlServer(port, credential.token(), req -> {
                try {
                    return loop.call(() -> daemon.handle(req), 10_000);
                } catch (Exception e) {
                    return Protocol.Response.error(EX_UNAVAILABLE, "carpd could not complete the request: " + e);
                }
            });
        } catch (IOException e) {
            throw new IOException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        life.started("control server", server::close);
        new ControlFile(server.port(), credential.token()).write(dir);
        life.started("control file", () -> ControlFile.remove(dir));
        log.info("control", "listening on 127.0.0.1:" + server.port());
        if (metricsPort != null) {
            com.sun.net.httpserver.HttpServer metrics = MetricsServer.start(metricsPort,
                    () -> loop.call(daemon::metrics, 5_000));
            life.started("metrics server", () -> metrics.stop(0));
            log.info("metrics", "serving http://127.0.0.1:" + metrics.getAddress().getPort() + "/metrics");
        }

        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "link-watch");
            t.setDaemon(true);
            return t;
        });
        life.started("link watcher", watcher::shutdownNow);
        watcher.scheduleWithFixedDelay(() -> loop.post(daemon::pollCarriers), 100, 100, TimeUnit.MILLISECONDS);
    }
}
