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
 * Decision to GARP: the master's cable is pulled; on the BACKUP, from the log line of its decision
 * ("BACKUP -> MASTER", carpd's clock) to its gratuitous ARP on the wire (tcpdump on the bridge, the
 * same clock). The address is added over rtnetlink before the GARP goes out, so this is the time
 * the takeover path takes: loop to host worker, address up, frame sent.
 */
final class GarpLatency {
    /** Where a row of the results table goes (Bench.row). */
    interface Row {
        void add(String what, String impl, String figure, String note);
    }

    static final String VIP = "172.16.0.100";
    private static final Pattern DECISION = Pattern.compile("^time=(\\S+) .*carp0: BACKUP -> MASTER");
    private final int runs;
    private final Random random = new Random(2026);

    GarpLatency(int runs) {
        this.runs = runs;
    }

    void run(Row row) throws Exception {
        List<Double> ms = new ArrayList<>();
        List<Double> cold = new ArrayList<>(); // the first two runs: warm-up (h2's first takeover is cold)
        int missed = 0;
        try (Lab lab = Lab.create(2, false)) {
            for (int i = 1; i <= 2; i++) {
                lab.h(i).startCarpd();
                lab.h(i).carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0", "advskew", "0",
                        VIP + "/24");
                if (i == 1) {
                    Lab.eventually(Duration.ofSeconds(15), () -> lab.h(1).holds(VIP));
                }
            }
            Thread.sleep(4000);
            try (GarpWatch watch = new GarpWatch(lab, "br0")) {
                Lab.Host master = lab.h(1);
                Lab.Host backup = lab.h(2);
                for (int i = 0; i < runs + 2; i++) {
                    Thread.sleep(200 + random.nextInt(1000));
                    double cut = now();
                    master.cut("em0");
                    Lab.Host b = backup;
                    Lab.eventually(Duration.ofSeconds(15), () -> b.holds(VIP));
                    Thread.sleep(300); // the GARP reaches tcpdump's output
                    double decided = decision(backup.log(), cut);
                    double garp = watch.firstAfter(decided, List.of(VIP)).get(0);
                    if (Double.isNaN(decided) || Double.isNaN(garp)) {
                        missed++;
                    } else {
                        (i < 2 ? cold : ms).add((garp - decided) * 1000);
                    }
                    master.heal("em0");
                    Lab.Host m = master;
                    Lab.eventually(Duration.ofSeconds(10), () -> m.carpconfig("carp0").out().contains("carp: BACKUP"));
                    Thread.sleep(1500);
                    master = backup;
                    backup = m;
                }
            }
        }
        row.add("decision to GARP: BACKUP's decision log line to its GARP on the wire (ms, min/median/p95/max)",
                "carpd", String.format("%.3f / %.3f / %.3f / %.3f", Stats.percentile(ms, 0), Stats.percentile(ms, 50),
                        Stats.percentile(ms, 95), Stats.percentile(ms, 100)),
                ms.size() + " takeovers (cable cut, roles swap each run); address over rtnetlink, no fork;"
                        + " first two runs (warm-up; h2's first takeover ever) left out: " + cold.stream().map(c -> String.format("%.3f", c)).toList()
                        + (missed > 0 ? "; " + missed + " runs without a decision line or GARP left out" : ""));
    }

    /** The time of the last "BACKUP -> MASTER" decision logged at or after t, or NaN. */
    static double decision(String log, double t) {
        double last = Double.NaN;
        for (String line : log.lines().toList()) {
            Matcher m = DECISION.matcher(line);
            if (m.find()) {
                Instant i = Instant.parse(m.group(1));
                double s = i.getEpochSecond() + i.getNano() / 1e9;
                if (s >= t) {
                    last = s;
                }
            }
        }
        return last;
    }

    private static double now() {
        Instant i = Instant.now();
        return i.getEpochSecond() + i.getNano() / 1e9;
    }
}
