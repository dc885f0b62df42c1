package org.carp4j.daemon;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.carp4j.config.StateDocument;
import org.carp4j.config.StateFile;
import org.carp4j.control.ControlClient;
import org.carp4j.control.ControlFile;
import org.carp4j.control.ControlServer;
import org.carp4j.host.CarpProtocolSocket;
import org.carp4j.host.HostNetwork;
import org.carp4j.host.InterfaceEvents;
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
    static final int EX_SOFTWARE = 70;

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
            List<String> removed = host.cleanup();
            ControlFile.remove(dir);
            System.out.println(removed.isEmpty() ? "carpd: nothing to clean up"
                    : "carpd: removed " + String.join(" ", removed));
            return 0;
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
        for (String leftover : host.cleanup()) {
            log.warn("cleanup", "removed " + leftover + " left behind by a previous carpd");
        }
        return run(dir, store, doc, host);
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

    /** The kernel's news of carpdev addresses (rtnetlink); null, with a warning, where it is refused. */
    private InterfaceEvents watchInterfaces(EventLoop loop, Daemon daemon) {
        try {
            return InterfaceEvents.start(loop::post, daemon::interfaceChanged, m -> log.error("carpdev", m));
        } catch (IOException e) {
            log.warn("carpdev", "addresses added after start are seen only on a carrier change or a commit: "
                    + e.getMessage());
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
        System.err.println("time=" + java.time.Instant.now() + " level=error event=internal msg="
                + Log.quote(t.getName() + ": " + e));
        if (e instanceof OutOfMemoryError) {
            Runtime.getRuntime().halt(EX_SOFTWARE);
        }
    }

    private int run(Path dir, StateFile store, StateDocument doc, HostNetwork host) throws Exception {
        Thread.setDefaultUncaughtExceptionHandler(Carpd::uncaught);
        HostWorker hostWorker = new HostWorker(log);
        Daemon daemon = new Daemon(store, doc, host,
                (dev, receiver) -> new PcapLink(dev, "ip proto 112 or ip6 proto 112 or arp", receiver),
                log, System::nanoTime, hostWorker);
        EventLoop loop = new EventLoop(System::nanoTime, daemon, log);
        daemon.attach(loop::offer, loop::post);
        Hooks hooks = new Hooks(new Hooks.Options(hooksDir != null ? hooksDir : dir.resolve("hooks.d"), upscript,
                downscript, Math.max(1, hookTimeout) * 1000L), log);
        daemon.hooks(hooks);
        ControlGate gate = new ControlGate(loop, daemon, host, hostWorker);
        CarpProtocolSocket protocolSocket = openProtocolSocket();
        loop.start();
        loop.call(() -> {
            daemon.start();
            return null;
        }, 30_000);

        ControlFile credential = ControlFile.fresh(port);
        ControlServer server;
        try {
            server = new ControlServer(port, credential.token(), gate::serve);
        } catch (IOException e) {
            log.error("control", "cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
            loop.callFirst(() -> {
                daemon.stop();
                return null;
            }, 20_000);
            loop.stop();
            if (protocolSocket != null) {
                protocolSocket.close();
            }
            return EX_UNAVAILABLE;
        }
        new ControlFile(server.port(), credential.token()).write(dir);
        log.info("control", "listening on 127.0.0.1:" + server.port());
        com.sun.net.httpserver.HttpServer metrics = null;
        if (metricsPort != null) {
            metrics = MetricsServer.start(metricsPort, () -> loop.call(() -> daemon.metrics(loop), 5_000));
            log.info("metrics", "serving http://127.0.0.1:" + metrics.getAddress().getPort() + "/metrics");
        }
        com.sun.net.httpserver.HttpServer metricsServer = metrics;

        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "link-watch");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(() -> {
            try { // a task that throws is never run again: catch everything
                loop.offer(daemon::pollCarriers);
            } catch (Throwable e) {
                log.error("internal", "link watch: " + e);
            }
        }, 100, 100, TimeUnit.MILLISECONDS);

        InterfaceEvents interfaceEvents = watchInterfaces(loop, daemon);

        CountDownLatch done = new CountDownLatch(1);
        Runnable shutdown = () -> {
            log.info("stop", "stopping: masters bow out and release their addresses");
            watcher.shutdownNow();
            if (interfaceEvents != null) {
                interfaceEvents.close();
            }
            server.close();
            if (metricsServer != null) {
                metricsServer.stop(0);
            }
            try {
                loop.callFirst(() -> { // ahead of any flood: the bow-out must go out
                    daemon.stop();
                    return null;
                }, 20_000);
                loop.stop();
            } catch (Exception e) {
                log.error("stop", String.valueOf(e));
            }
            hooks.drain();
            if (protocolSocket != null) {
                protocolSocket.close();
            }
            ControlFile.remove(dir);
            done.countDown();
        };
        Signal.handle(new Signal("TERM"), s -> new Thread(shutdown).start());
        Signal.handle(new Signal("INT"), s -> new Thread(shutdown).start());
        done.await();
        log.info("stop", "stopped; configuration kept in " + store.path());
        return 0;
    }
}
