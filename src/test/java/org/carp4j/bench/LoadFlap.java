package org.carp4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.carp4j.lab.Lab;

/**
 * No flapping under load (issue 14 item 6): a carpd pair at advbase 0, advskew 8 (master) vs 12,
 * with both cores kept busy by a CPU hog in each node and 10k/s forged adverts for the master's
 * vhid. Counts transitions, the master's advert jitter from a capture, and the daemons' GC and
 * safepoint pauses from -Xlog:gc*,safepoint (passed through CARPD_JAVA_OPTS).
 * carpd runs at the Nice= of its systemd unit, as installed; the hogs at 0.
 * Environment: BENCH_LOADFLAP_SECONDS (600), BENCH_LOADFLAP_JAVA_OPTS (JVM flags to try on top of
 * the launcher's, for tuning), BENCH_LOADFLAP_NICE (instead of the unit's Nice=).
 */
final class LoadFlap {
    private static final int RATE = 10_000;
    private static final double INTERVAL = 8 / 256.0; // the master's advbase 0 advskew 8

    private final Bench bench;

    LoadFlap(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int seconds = Integer.parseInt(System.getenv().getOrDefault("BENCH_LOADFLAP_SECONDS", "600"));
        String extra = System.getenv().getOrDefault("BENCH_LOADFLAP_JAVA_OPTS", "").trim();
        String niceEnv = System.getenv("BENCH_LOADFLAP_NICE");
        int nice = niceEnv != null ? Integer.parseInt(niceEnv) : Daemons.unitNice();
        String flags = (extra.isEmpty() ? "launcher's JVM flags" : "launcher's JVM flags + " + extra) + ", carpd at nice " + nice;
        try (Lab lab = Lab.create(3, false)) {
            List<Path> jvmLogs = new ArrayList<>();
            List<Path> logs = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                Lab.Host h = lab.h(i);
                Path jvm = lab.dir().resolve("jvm-" + h.name() + ".log");
                Path log = lab.dir().resolve("carpd-" + h.name() + ".log");
                Daemons.carpd(lab, h, "-Xlog:gc*,safepoint:file=" + jvm + " " + extra, nice, log);
                h.carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0", "advbase", "0",
                        "advskew", i == 1 ? "8" : "12", Bench.VIP + "/24");
                if (!Lab.eventually(Duration.ofSeconds(15), () -> h.n == 1 ? h.holds(Bench.VIP)
                        : h.carpconfig("carp0").out().contains("carp: BACKUP"))) {
                    throw new IllegalStateException("loadflap: " + h.name() + " did not settle");
                }
                jvmLogs.add(jvm);
                logs.add(log);
            }
            Thread.sleep(5000); // past start-up
            long before = transitions(logs);
            List<Long> offsets = new ArrayList<>();
            for (Path p : jvmLogs) {
                offsets.add(Files.size(p));
            }
            List<Process> hogs = new ArrayList<>();
            for (int i = 1; i <= 2; i++) { // CPU is not per namespace: two hogs keep both cores busy
                hogs.add(new ProcessBuilder("ip", "netns", "exec", lab.h(i).ns, "sh", "-c", "while :; do :; done")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            String sent;
            List<Double> jitter;
            int adverts;
            try (AdvertWatch watch = new AdvertWatch(lab, "h1-em0", "ip proto 112")) {
                sent = Bench.flood(lab, RATE, seconds);
                adverts = watch.all().size();
                jitter = Bench.jitterMs(watch.all(), INTERVAL);
            } finally {
                for (Process p : hogs) {
                    p.destroy();
                }
            }
            long flaps = transitions(logs) - before;
            boolean kept = lab.h(1).holds(Bench.VIP) && !lab.h(2).holds(Bench.VIP);
            List<Double> gc = new ArrayList<>();
            List<Double> safepoints = new ArrayList<>();
            for (int i = 0; i < jvmLogs.size(); i++) {
                pauses(jvmLogs.get(i), offsets.get(i), gc, safepoints);
            }
            String conditions = String.format("%d s, 2 CPU hogs + %dk/s forged adverts (%s); %s", seconds, RATE / 1000, sent, flags);
            bench.row("loadflap: advbase 0 advskew 8 vs 12 under load: transitions / master advert jitter |interval - 31.25 ms|"
                    + " p50 / p99 / max (ms)", "carpd", String.format("%d / %.2f / %.2f / %.2f", flaps,
                    Stats.percentile(jitter, 50), Stats.percentile(jitter, 99), Stats.percentile(jitter, 100)),
                    conditions + "; " + adverts + " adverts captured" + (kept ? "" : "; MASTER LOST"));
            bench.row("loadflap: JVM pauses of both daemons during the run: GC p50 / p99 / max; safepoint p50 / p99 / max (ms)",
                    "carpd", String.format("%s; %s", pauseSummary(gc), pauseSummary(safepoints)),
                    String.format("%d GC pauses, %d safepoints; %s", gc.size(), safepoints.size(), flags));
        }
    }

    private static String pauseSummary(List<Double> ms) {
        return ms.isEmpty() ? "none" : String.format("%.3f / %.3f / %.3f", Stats.percentile(ms, 50),
                Stats.percentile(ms, 99), Stats.percentile(ms, 100));
    }

    private static long transitions(List<Path> logs) throws IOException {
        long n = 0;
        for (Path p : logs) {
            n += Files.readString(p).lines().filter(l -> l.contains("event=state")).count();
        }
        return n;
    }

    // [12.345s][info][gc] GC(7) Pause Young (Allocation Failure) 9M->2M(15M) 0.812ms
    private static final Pattern GC_PAUSE = Pattern.compile("\\[gc\\s*\\].*Pause.* (\\d+\\.\\d+)ms$");
    // [12.345s][info][safepoint] Safepoint "Cleanup", Time since last: 1000 ns, Reaching safepoint: 2 ns, ..., Total: 9 ns
    private static final Pattern SAFEPOINT = Pattern.compile("\\[safepoint\\s*\\].*Total: (\\d+) ns");

    /** The pauses logged after offset (bytes) in a -Xlog:gc*,safepoint file. */
    static void pauses(Path log, long offset, List<Double> gc, List<Double> safepoints) throws IOException {
        String text = Files.readString(log);
        for (String l : text.substring((int) Math.min(offset, text.length())).lines().toList()) {
            Matcher m = GC_PAUSE.matcher(l);
            if (m.find()) {
                gc.add(Double.parseDouble(m.group(1)));
            }
            m = SAFEPOINT.matcher(l);
            if (m.find()) {
                safepoints.add(Long.parseLong(m.group(1)) / 1e6);
            }
        }
    }
}
