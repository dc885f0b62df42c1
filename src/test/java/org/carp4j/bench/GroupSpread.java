package org.carp4j.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.carp4j.lab.GroupLab;
import org.carp4j.lab.Lab;

/**
 * Group failover spread: the master's cables are pulled; on the new master, from the first to the
 * last VIP up and announced (the first GARP of each VIP on the bridge after the cut). 64 vhids on
 * em0, then 16 carpdevs with one vhid each (VLANs em0.N; switch ports where the kernel has none).
 */
final class GroupSpread {
    private final int runs;

    GroupSpread(int runs) {
        this.runs = runs;
    }

    void run(GarpLatency.Row row) throws Exception {
        measure(row, "64 vhids on em0", null);
        measure(row, "16 carpdevs", 16);
    }

    private void measure(GarpLatency.Row row, String what, Integer carpdevs) throws Exception {
        List<Double> spreads = new ArrayList<>();
        int incomplete = 0;
        String kind = what;
        try (Lab lab = Lab.create(2, false)) {
            List<GroupLab.Group> groups;
            if (carpdevs == null) {
                groups = GroupLab.onEm0(64);
            } else if (GroupLab.vlansSupported(lab)) {
                groups = GroupLab.onVlans(lab, 2, carpdevs);
                kind = what + " (VLANs em0.N)";
            } else {
                groups = GroupLab.onPorts(lab, 2, carpdevs);
                kind = what + " (no VLANs in this kernel: switch ports)";
            }
            GroupLab.start(lab, groups);
            List<String> vips = groups.stream().map(GroupLab.Group::vip).toList();
            List<String> cables = groups.stream().map(g -> g.carpdev().startsWith("em0") ? "em0" : g.carpdev())
                    .distinct().toList();
            Thread.sleep(3000);
            try (GarpWatch watch = new GarpWatch(lab, "br0")) {
                Lab.Host master = lab.h(1);
                Lab.Host backup = lab.h(2);
                for (int i = 0; i < runs; i++) {
                    Instant t = Instant.now();
                    double cut = t.getEpochSecond() + t.getNano() / 1e9;
                    GroupLab.cutAll(lab, master, cables);
                    Lab.Host b = backup;
                    Lab.eventually(Duration.ofSeconds(20), () -> GroupLab.holders(b, groups) == groups.size());
                    Thread.sleep(500); // the last GARPs reach tcpdump's output
                    List<Double> first = watch.firstAfter(cut, vips);
                    if (first.stream().anyMatch(d -> d.isNaN())) {
                        incomplete++;
                    } else {
                        double min = first.stream().mapToDouble(d -> d).min().orElseThrow();
                        double max = first.stream().mapToDouble(d -> d).max().orElseThrow();
                        spreads.add((max - min) * 1000);
                    }
                    GroupLab.plugAll(lab, master, cables);
                    Lab.Host m = master;
                    Lab.eventually(Duration.ofSeconds(20), () -> GroupLab.backups(m, groups) == groups.size());
                    Thread.sleep(2000);
                    master = backup;
                    backup = m;
                }
            }
        }
        row.add("group failover: first to last VIP's GARP on the new master (ms, min/median/max), " + kind, "carpd",
                String.format("%.1f / %.1f / %.1f", Stats.percentile(spreads, 0), Stats.percentile(spreads, 50),
                        Stats.percentile(spreads, 100)),
                spreads.size() + " cable cuts" + (incomplete > 0 ? "; " + incomplete + " runs missing a GARP left out" : ""));
    }
}
