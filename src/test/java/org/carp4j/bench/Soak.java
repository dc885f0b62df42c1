package org.carp4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.carp4j.lab.Lab;

/**
 * The soak: a client pings the VIP 20 times a second for BENCH_SOAK_SECONDS (1800) while the
 * master is failed every BENCH_SOAK_PERIOD seconds (20), in turn by kill -9 of its carpd (then
 * restarted), a forced `carpconfig carp0 down` (then up), and a cable cut (then restored). h2's
 * carpd is never killed, so its RSS over the whole soak shows any growth; only h1 is killed (when
 * h2 is master, a cut replaces the kill). Reports failovers, the client's outage per failover,
 * pings lost, and the moments both hosts held the VIP (ip addr polled every 100 ms; must be 0).
 */
final class Soak {
    private static final Pattern REPLY = Pattern.compile("^\\[(\\d+\\.\\d+)\\] .*bytes from .*icmp_seq=(\\d+)");
    private static final Pattern MISSING = Pattern.compile("^\\[(\\d+\\.\\d+)\\] no answer yet for icmp_seq=(\\d+)");

    private final Bench bench;
    private final long seconds = Long.parseLong(System.getenv().getOrDefault("BENCH_SOAK_SECONDS", "1800"));
    private final long period = Long.parseLong(System.getenv().getOrDefault("BENCH_SOAK_PERIOD", "20"));
    /** icmp_seq to [time of its line, answered 1/0]. */
    private final Map<Integer, double[]> pings = new TreeMap<>();

    Soak(Bench bench) {
        this.bench = bench;
    }

    private enum Kind { KILL, DOWN, CUT }

    private record Failover(Kind kind, double at, long tookMs) {
    }

    void run() throws Exception {
        try (Lab lab = Lab.create(3, false)) {
            for (int i = 1; i <= 2; i++) {
                lab.h(i).startCarpd();
                lab.h(i).carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0", Bench.VIP + "/24");
                Lab.eventually(Duration.ofSeconds(15), () -> lab.h(1).holds(Bench.VIP));
            }
            Lab.Host h2 = lab.h(2);
            Lab.eventually(Duration.ofSeconds(10), () -> h2.carpconfig("carp0").out().contains("BACKUP"));
            Process ping = new ProcessBuilder("ip", "netns", "exec", lab.h(3).ns, "ping", "-D", "-n", "-O", "-i", "0.05",
                    "-W", "1", Bench.VIP).redirectErrorStream(true).start();
            Thread reader = new Thread(() -> read(ping));
            reader.start();
            AtomicLong bothHeld = new AtomicLong();
            AtomicLong samples = new AtomicLong();
            Thread watch = new Thread(() -> watchHolders(lab, bothHeld, samples));
            watch.setDaemon(true);
            watch.start();

            List<Failover> failovers = new ArrayList<>();
            List<Double> rss = new ArrayList<>();
            long h2pid = h2.carpd().pid();
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            int step = 0;
            double firstRss = Double.NaN;
            int failed = 0;
            while (System.nanoTime() < end) {
                long stepEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(period);
                Lab.Host master = lab.h(1).holds(Bench.VIP) ? lab.h(1) : lab.h(2);
                Lab.Host backup = master == lab.h(1) ? lab.h(2) : lab.h(1);
                Kind kind = Kind.values()[step++ % 3];
                if (kind == Kind.KILL && master == h2) {
                    kind = Kind.CUT;
                }
                double at = now();
                switch (kind) {
                    case KILL -> master.signal("KILL");
                    case DOWN -> master.carpconfig("carp0", "down");
                    case CUT -> master.cut("em0");
                }
                boolean took = Lab.eventually(Duration.ofSeconds(15), () -> backup.holds(Bench.VIP));
                if (took) {
                    failovers.add(new Failover(kind, at, Math.round((now() - at) * 1000)));
                } else {
                    failed++;
                    System.out.println("  " + kind + " of " + master.name() + ": the backup did not take over in 15 s");
                }
                switch (kind) {
                    case KILL -> {
                        master.carpd().waitFor(10, TimeUnit.SECONDS);
                        master.startCarpd();
                    }
                    case DOWN -> master.carpconfig("carp0", "up");
                    case CUT -> master.heal("em0");
                }
                Lab.eventually(Duration.ofSeconds(15), () -> master.carpconfig("carp0").out().contains("BACKUP"));
                double r = Stats.rssMiB(h2pid);
                if (Double.isNaN(firstRss) && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(30)) {
                    firstRss = r; // past the start-up and the first collections
                }
                rss.add(r);
                System.out.printf("  %s %s: VIP on %s after %s ms; h2 carpd RSS %.1f MiB%n", kind, master.name(),
                        backup.name(), took ? failovers.get(failovers.size() - 1).tookMs() : "-", r);
                long left = stepEnd - System.nanoTime();
                if (left > 0) {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
                }
            }
            Thread.sleep(2000); // the last pings' answers
            ping.destroy();
            reader.join(5000);
            watch.interrupt();
            report(failovers, failed, bothHeld.get(), samples.get(), firstRss, rss.isEmpty() ? Double.NaN : rss.get(rss.size() - 1),
                    (System.nanoTime() - start) / 1e9);
        }
    }

    private void report(List<Failover> failovers, int failed, long both, long samples, double firstRss, double lastRss,
            double elapsed) {
        List<Double> outages = new ArrayList<>();
        for (int i = 0; i < failovers.size(); i++) {
            double until = i + 1 < failovers.size() ? failovers.get(i + 1).at() : Double.MAX_VALUE;
            outages.add(outageMs(failovers.get(i).at(), until));
        }
        StringBuilder kinds = new StringBuilder();
        for (Kind k : Kind.values()) {
            List<Double> of = new ArrayList<>();
            for (int i = 0; i < failovers.size(); i++) {
                if (failovers.get(i).kind() == k) {
                    of.add(outages.get(i));
                }
            }
            kinds.append(String.format("%s%s %d, outage p50 %.0f / max %.0f ms", kinds.length() == 0 ? "" : "; ",
                    k.name().toLowerCase(), of.size(), Stats.percentile(of, 50), Stats.percentile(of, 100)));
        }
        long lost;
        int sent;
        synchronized (pings) {
            sent = pings.size();
            lost = pings.values().stream().filter(p -> p[1] == 0).count();
        }
        String what = String.format("soak %.0f s, a failover every %d s (kill -9 / down / cable cut)", elapsed, period);
        bench.row(what + ": failovers", "carpd", failovers.size() + (failed > 0 ? " (" + failed + " without takeover)" : ""),
                kinds.toString());
        bench.row(what + ": client outage per failover (ms, p50 / p99 / max)", "carpd",
                String.format("%.0f / %.0f / %.0f", Stats.percentile(outages, 50), Stats.percentile(outages, 99),
                        Stats.percentile(outages, 100)), "longest run of unanswered pings (every 50 ms) after each failover");
        bench.row(what + ": pings lost", "carpd", lost + " of " + sent, "ping -i 0.05 from a third host");
        bench.row(what + ": moments with two holders", "carpd", Long.toString(both),
                "ip addr of both hosts polled every 100 ms, " + samples + " samples; must be 0");
        bench.row(what + ": carpd RSS growth (never-killed h2)", "carpd",
                String.format("%.1f -> %.1f MiB", firstRss, lastRss), "from 30 s in to the end");
    }

    /** The longest run of unanswered pings sent in [from, until), in ms (50 ms each). */
    private double outageMs(double from, double until) {
        int run = 0;
        int best = 0;
        synchronized (pings) {
            for (double[] p : pings.values()) {
                if (p[0] < from || p[0] >= until) {
                    continue;
                }
                run = p[1] == 1 ? 0 : run + 1;
                best = Math.max(best, run);
            }
        }
        return best * 50.0;
    }

    private void read(Process ping) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(ping.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                Matcher ok = REPLY.matcher(line);
                Matcher no = MISSING.matcher(line);
                synchronized (pings) {
                    if (ok.find()) {
                        // a late reply still counts as answered, at the time its request was reported
                        double[] p = pings.computeIfAbsent(Integer.parseInt(ok.group(2)),
                                s -> new double[] {Double.parseDouble(ok.group(1)), 0});
                        p[1] = 1;
                    } else if (no.find()) {
                        pings.putIfAbsent(Integer.parseInt(no.group(2)), new double[] {Double.parseDouble(no.group(1)) - 0.05, 0});
                    }
                }
            }
        } catch (IOException e) {
            // ping ended
        }
    }

    private static void watchHolders(Lab lab, AtomicLong both, AtomicLong samples) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (lab.h(1).holds(Bench.VIP) && lab.h(2).holds(Bench.VIP)) {
                    both.incrementAndGet();
                    System.out.println("  two holders at " + now());
                }
                samples.incrementAndGet();
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // a lab host being torn down at the end
            }
        }
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }
}
