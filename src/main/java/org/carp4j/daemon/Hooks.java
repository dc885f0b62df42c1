package org.carp4j.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 */
final class Hooks {
    record Options(Path directory, Path upscript, Path downscript, long timeoutMillis) {
    }

    private final Options options;
    private final Log log;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hooks");
        t.setDaemon(true);
        return t;
    });

    Hooks(Options options, Log log) {
        this.options = options;
        this.log = log;
    }

    void transition(Action.StateChange sc, String carpdev, List<VipAddress> addresses) {
        runner.execute(() -> runAll(sc, carpdev, addresses));
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
        if (options.directory() == null || !Files.isDirectory(options.directory())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(options.directory())) {
            return s.filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).sorted().toList();
        } catch (IOException e) {
            log.error("hook", options.directory() + ": " + e.getMessage());
            return List.of();
        }
    }

    private void run(Path program, List<String> args, Map<String, String> env, Action.StateChange sc) {
        List<String> cmd = new ArrayList<>();
        cmd.add(program.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
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
            Thread.currentThread().interrupt();
        }
    }

    /** Lets queued hooks finish (a stop's last transitions), within their time limits. */
    void drain() {
        runner.shutdown();
        try {
            runner.awaitTermination(options.timeoutMillis() * 4 + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
