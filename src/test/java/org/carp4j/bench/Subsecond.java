package org.carp4j.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.carp4j.lab.Lab;

/**
 * Sub-second failover from the cable cut, side by side in one run: carpd at advbase 0 (advskew 8
 * and 12) and at advbase 1, keepalived (VRRPv3, advert_int 0.05), ucarp at advbase 1 and at
 * advbase 0 (ucarp 1.5.2 accepts it). Both ends are kernel times: the switch port going down
 * (`ip monitor link` in the switch) and the VIP's address event on the backup (`ip monitor address`).
 * No preempt: the roles alternate, so half the runs fail over to each node.
 */
final class Subsecond {
    /** One implementation at one setting; better/worse are the two nodes' advskew (or VRRP priority). */
    record Setup(String impl, int advbase, int better, int worse, String label, long settleMs) {
    }

    private final Bench bench;
    private final int runs = Integer.parseInt(System.getenv().getOrDefault("BENCH_RUNS", "20"));
    private final Random random = new Random(2027);

    Subsecond(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        for (Setup s : List.of(
                new Setup("carpd", 0, 8, 12, "carpd advbase 0, advskew 8 / 12", 1000),
                new Setup("keepalived", 0, 200, 150, "keepalived VRRPv3 advert_int 0.05, priority 200 / 150", 1000),
                new Setup("ucarp", 0, 8, 12, "ucarp advbase 0, advskew 8 / 12", 1000),
                new Setup("carpd", 1, 0, 0, "carpd advbase 1, advskew 0 / 0", 3000),
                new Setup("ucarp", 1, 0, 0, "ucarp advbase 1, advskew 0 / 0", 3000))) {
            measure(s);
        }
    }

    private void measure(Setup s) throws Exception {
        List<Double> fromCut = new ArrayList<>();
        List<Double> toBetter = new ArrayList<>(); // the backup taking over is the node with the better skew
        List<Double> toWorse = new ArrayList<>();
        int keptWhileCut = 0;
        int bothAfterHeal = 0;
        int lost = 0;
        try (Lab lab = Lab.create(2, false);
                IpMonitor sw = new IpMonitor(lab.switchName(), "link");
                IpMonitor m1 = new IpMonitor(lab.h(1).ns, "address");
                IpMonitor m2 = new IpMonitor(lab.h(2).ns, "address")) {
            start(lab, s, 1, s.better());
            Lab.eventually(Duration.ofSeconds(15), () -> lab.h(1).holds(Bench.VIP));
            start(lab, s, 2, s.worse());
            if (!Lab.eventually(Duration.ofSeconds(15), () -> isBackup(lab, s, lab.h(2)))) {
                throw new IllegalStateException(s.label() + ": h2 never became BACKUP");
            }
            Thread.sleep(2000);
            int master = 1;
            for (int i = 0; i < runs; i++) {
                int backup = 3 - master;
                Lab.Host m = lab.h(master);
                Lab.Host b = lab.h(backup);
                IpMonitor bm = backup == 1 ? m1 : m2;
                IpMonitor mm = master == 1 ? m1 : m2;
                Thread.sleep(200 + random.nextInt(1000)); // a random phase of the advert interval
                double cutCmd = now();
                m.cut("em0");
                String port = "h" + master + "-em0@";
                IpMonitor.Event down = sw.await(cutCmd, l -> l.contains(port) && l.contains("state DOWN"), 2);
                double cutAt = down != null ? down.time() : cutCmd;
                IpMonitor.Event up = bm.await(cutAt, l -> IpMonitor.added(l, Bench.VIP), 15);
                if (up == null) {
                    lost++;
                } else {
                    double ms = (up.time() - cutAt) * 1000;
                    fromCut.add(ms);
                    (backup == 1 ? toBetter : toWorse).add(ms);
                    if (mm.held(Bench.VIP, up.time())) {
                        keptWhileCut++;
                    }
                }
                double healAt = now();
                m.heal("em0");
                // settled: one holder, the other listening as BACKUP, and still so after a pause
                // (ucarp may still flip once after a flap)
                settle(lab, s, i);
                Thread.sleep(s.settleMs());
                int holder = settle(lab, s, i);
                if (overlap(m1, m2, healAt, now())) {
                    bothAfterHeal++;
                }
                master = holder;
            }
        }
        String what = "sub-second failover: cable cut -> VIP up on the backup (ms, min/median/p95/max; kernel times)";
        bench.row(what, s.label(), Stats.summary(fromCut), String.format(
                "%d runs (no preempt, roles alternate), cut at a random phase; median to h1 / to h2 (h1 has the better advskew or priority) %.0f / %.0f"
                        + "; both held the VIP: %d runs (isolated old master kept it), %d runs after the heal%s",
                runs, Stats.percentile(toBetter, 50), Stats.percentile(toWorse, 50), keptWhileCut, bothAfterHeal,
                lost > 0 ? "; NO TAKEOVER in " + lost + " runs" : ""));
    }

    /** Waits until exactly one node holds the VIP and the other is BACKUP; returns the holder. */
    private static int settle(Lab lab, Setup s, int run) {
        int[] holder = {0};
        boolean settled = Lab.eventually(Duration.ofSeconds(20), () -> {
            boolean h1 = lab.h(1).holds(Bench.VIP);
            boolean h2 = lab.h(2).holds(Bench.VIP);
            holder[0] = h1 && !h2 ? 1 : h2 && !h1 ? 2 : 0;
            return holder[0] != 0 && isBackup(lab, s, lab.h(3 - holder[0]));
        });
        if (!settled) {
            throw new IllegalStateException(s.label() + ": run " + run + " did not settle after the heal");
        }
        return holder[0];
    }

    /** Whether both namespaces held the VIP at some moment between t0 and t1. */
    private static boolean overlap(IpMonitor a, IpMonitor b, double t0, double t1) {
        List<Double> moments = new ArrayList<>(List.of(t0));
        for (IpMonitor m : List.of(a, b)) {
            for (IpMonitor.Event e : m.events()) {
                if (e.time() > t0 && e.time() <= t1 && IpMonitor.aboutAddress(e.line(), Bench.VIP)) {
                    moments.add(e.time());
                }
            }
        }
        return moments.stream().anyMatch(t -> a.held(Bench.VIP, t) && b.held(Bench.VIP, t));
    }

    private static void start(Lab lab, Setup s, int host, int rank) throws Exception {
        Lab.Host h = lab.h(host);
        switch (s.impl()) {
            case "carpd" -> {
                h.startCarpd();
                h.carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0", "advbase",
                        Integer.toString(s.advbase()), "advskew", Integer.toString(rank), Bench.VIP + "/24");
            }
            case "ucarp" -> h.startUcarp("em0", "-v", "1", "-p", "pw", "-a", Bench.VIP, "-b", Integer.toString(s.advbase()),
                    "-k", Integer.toString(rank));
            case "keepalived" -> Daemons.keepalived(lab, h, rank, "0.05");
            default -> throw new IllegalArgumentException(s.impl());
        }
    }

    private static final Pattern UCARP_STATE = Pattern.compile("Switching to state: (\\w+)");
    private static final Pattern VRRP_STATE = Pattern.compile("Entering (\\w+) STATE");

    /** The node listens as BACKUP (so the next cut of the other one is a fair run). */
    private static boolean isBackup(Lab lab, Setup s, Lab.Host h) throws Exception {
        return switch (s.impl()) {
            case "carpd" -> h.carpconfig("carp0").out().contains("carp: BACKUP");
            case "ucarp" -> "BACKUP".equals(last(UCARP_STATE, h.ucarpLog()));
            case "keepalived" -> "BACKUP".equals(last(VRRP_STATE, Daemons.read(Daemons.keepalivedLog(lab, h))));
            default -> false;
        };
    }

    private static String last(Pattern p, String log) {
        String state = null;
        for (Matcher m = p.matcher(log); m.find(); ) {
            state = m.group(1);
        }
        return state;
    }

    static double now() {
        Instant i = Instant.now();
        return i.getEpochSecond() + i.getNano() / 1e9;
    }
}
