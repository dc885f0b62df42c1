package org.carp4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Small numeric helpers: percentiles, and CPU time and resident memory from /proc. */
final class Stats {
    private Stats() {
    }

    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        int i = (int) Math.ceil(p / 100.0 * v.size()) - 1;
        return v.get(Math.max(0, Math.min(v.size() - 1, i)));
    }

    static String summary(List<Double> ms) {
        return String.format("%.0f / %.0f / %.0f / %.0f", percentile(ms, 0), percentile(ms, 50), percentile(ms, 95),
                percentile(ms, 100));
    }

    /** user+system CPU seconds of a process. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * Proportional set size in MiB (/proc/PID/smaps_rollup): shared pages count once across the
     * processes that share them, so summing it over 255 ucarp processes is fair, unlike RSS.
     */
    static double pssMiB(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                if (l.startsWith("Pss:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    /** Resident set size in MiB. */
    static double rssMiB(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }
}
