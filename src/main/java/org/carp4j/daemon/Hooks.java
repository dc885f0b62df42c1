package org.carp4j.daemon;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.carp4j.config.VipAddress;
import org.carp4j.election.Action;
import org.carp4j.election.CarpState;

/**
 * State-change hooks. On every transition, each executable in the hooks directory runs, in name
 * order, as {@code hook IFNAME VHID FROM TO} with CARP_* variables in its environment; then the
 * ucarp-style up/down script if configured ({@code script CARPDEV ADDRESS}, upscript on becoming
 * MASTER, downscript on leaving it). One thread runs them all, so hooks never overlap and run in
 * the order the transitions happened; each gets a time limit, and failures are logged. The event
 * loop only queues work here, so a slow hook never delays an election.
 *
 * <p>At most {@link #CAPACITY} transitions wait; past that the oldest waiting one is dropped (the
 * newest says where the interface is now, which is what a hook must act on), counted in
 * carp_hooks_dropped_total and logged once. Hooks run as root, so each one is checked before it
 * runs (root's, not writable by others; see {@link SecurePaths}) and skipped with a log line if
 * not; they get a clean environment (a fixed PATH and the CARP_* variables) and /dev/null as
 * standard input.
 */
final class Hooks {
    /** How long a stop waits for the hooks of its last transitions. */
    static final long STOP_BUDGET_MILLIS = 5_000;

    record Options(Path directory, Path upscript, Path downscript, long timeoutMillis) {
    }

    static final int CAPACITY = 64;
    static final String PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

    private final Options options;
    private final Log log;
    private final AtomicLong dropped = new AtomicLong();
    private final ThreadPoolExecutor runner;

    Hooks(Options options, Log log) {
        this(options, log, CAPACITY);
    }

    Hooks(Options options, Log log, int capacity) {
        this.options = options;
        this.log = log;
        this.runner = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(capacity), r -> {
            Thread t = new Thread(r, "hooks");
            t.setDaemon(true);
            return t;
        }, (task, pool) -> {
            if (!pool.isShutdown()) {
                pool.getQueue().poll(); // the oldest waiting transition makes room for the newest
                if (dropped.getAndIncrement() == 0) {
                    log.warn("hook", "more than " + capacity + " transitions wait for their hooks: the oldest"
                            + " waiting ones are dropped (counted in carp_hooks_dropped_total; logged once)");
                }
                pool.execute(task);
            }
        });
    }

    void transition(Action.StateChange sc, String carpdev, List<VipAddress> addresses) {
        runner.execute(() -> runAll(sc, carpdev, addresses));
    }

    /** Transitions whose hooks were dropped because too many waited. */
    long dropped() {
        return dropped.get();
    }

    private void runAll(Action.StateChange sc, String carpdev, List<VipAddress> addresses) {
        Map<String, String> env = Map.of(
                "CARP_IF", sc.ifname(), "CARP_VHID", Integer.toString(sc.vhid()),
                "CARP_FROM", sc.from().name(), "CARP_TO", sc.to().name(), "CARP_WHY", sc.why(),
                "CARP_CARPDEV", carpdev == null ? "" : carpdev,
                "CARP_ADDRESSES", String.join(" ", addresses.stream().map(VipAddress::toString).toList()));
        for (Path hook : hooks()) {
            run(hook, List.of(sc.ifname(), Integer.toString(sc.vhid()), sc.from().name(), sc.to().name()), env, sc);
        }
        String first = addresses.isEmpty() ? "" : VipAddress.Inet.format(addresses.get(0).address());
        if (sc.to() == CarpState.MASTER && options.upscript() != null) {
            run(options.upscript(), List.of(carpdev == null ? "" : carpdev, first), env, sc);
        } else if (sc.from() == CarpState.MASTER && options.downscript() != null) {
            run(options.downscript(), List.of(carpdev == null ? "" : carpdev, first), env, sc);
        }
    }

    private List<Path> hooks() {
        if (options.directory() == null) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        List<Path> hooks = Preflight.hooks(options.directory(), problems);
        problems.forEach(p -> log.error("hook", p));
        return hooks;
    }

    private void run(Path program, List<String> args, Map<String, String> env, Action.StateChange sc) {
        Optional<String> unsafe = SecurePaths.problem(program, SecurePaths.Kind.FILE);
        if (unsafe.isPresent()) {
            log.line("error", sc.ifname(), sc.vhid(), "hook", program + " skipped: " + unsafe.get()
                    + " (hooks run as root: they must be root's and writable by root only)", "");
            return;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(program.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear(); // nothing of carpd's own environment leaks into a root process
        pb.environment().put("PATH", PATH);
        pb.environment().putAll(env);
        Process p = null;
        try {
            p = pb.start();
            if (!p.waitFor(options.timeoutMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                log.line("error", sc.ifname(), sc.vhid(), "hook", program + " killed after "
                        + options.timeoutMillis() + " ms", "");
            } else if (p.exitValue() != 0) {
                log.line("warning", sc.ifname(), sc.vhid(), "hook", program + " exited " + p.exitValue(), "");
            }
        } catch (IOException e) {
            log.line("error", sc.ifname(), sc.vhid(), "hook", program + ": " + e.getMessage(), "");
        } catch (InterruptedException e) {
            // the stop's budget ran out (see drain): no hook outlives carpd
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            log.line("error", sc.ifname(), sc.vhid(), "hook", program + " killed: carpd is stopping", "");
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Lets queued hooks finish (a stop's last transitions) within {@link #STOP_BUDGET_MILLIS}, then
     * kills what still runs and drops the rest: the whole stop must fit in systemd's TimeoutStopSec
     * (15 s), or systemd kills carpd half-way.
     */
    void drain() {
        runner.shutdown();
        try {
            if (!runner.awaitTermination(Math.min(options.timeoutMillis() * 4 + 1000, STOP_BUDGET_MILLIS),
                    TimeUnit.MILLISECONDS)) {
                int left = runner.shutdownNow().size();
                log.warn("hook", "stopping: hooks still running after " + STOP_BUDGET_MILLIS + " ms killed, "
                        + left + " queued hook run(s) dropped");
                runner.awaitTermination(1000, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
