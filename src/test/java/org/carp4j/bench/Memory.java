package org.carp4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.carp4j.lab.Lab;

/**
 * Memory compared fairly: PSS from /proc/PID/smaps_rollup (shared pages divided among the
 * processes that map them), so 255 ucarp processes are not charged 255 times for one libc; USS
 * (private pages, what stopping them frees) and RSS beside it. One vhid, and 255 vhids (one carpd,
 * or 255 ucarp processes summed).
 */
final class Memory {
    /** kB figures of one or more processes, summed. */
    record Use(double pss, double uss, double rss) {
        Use plus(Use o) {
            return new Use(pss + o.pss, uss + o.uss, rss + o.rss);
        }

        String mib() {
            return String.format("%.1f / %.1f / %.1f", pss / 1024, uss / 1024, rss / 1024);
        }
    }

    private final Bench bench;

    Memory(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        for (int n : List.of(1, 255)) {
            try (Lab lab = Lab.create(1, false)) {
                Lab.Host h = lab.h(1);
                h.startCarpd();
                StringBuilder script = new StringBuilder();
                for (int v = 1; v <= n; v++) {
                    script.append("ifconfig carp").append(v).append(" create vhid ").append(v)
                            .append(" pass pw carpdev em0 10.").append(v).append(".0.1/32\n");
                }
                Files.writeString(lab.dir().resolve("memory.txt"), script);
                Lab.Result.of(List.of("bash", "-c", "ip netns exec " + h.ns + " env CARPD_STATE_DIR=" + h.stateDir + " "
                        + Lab.ROOT.resolve("bin/carpsh") + " < " + lab.dir().resolve("memory.txt")));
                Lab.eventually(Duration.ofSeconds(60), () -> h.addresses().split("\n").length >= n + 2);
                Thread.sleep(15_000); // steady state: past start-up and a few collections
                row(n, "carpd", use(List.of(h.carpd().pid())), "1 process (JVM); launcher's heap -Xms16m -Xmx64m");
            }
            try (Lab lab = Lab.create(1, false)) {
                Lab.Host h = lab.h(1);
                List<Long> pids = Bench.ucarps(h, n);
                Thread.sleep(15_000);
                row(n, n == 1 ? "ucarp" : n + " x ucarp", use(pids), n + " process" + (n == 1 ? "" : "es, summed"));
            }
        }
    }

    private void row(int n, String impl, Use u, String note) {
        bench.row(String.format("memory: %d vhid%s, PSS / USS / RSS (MiB, /proc/PID/smaps_rollup)", n, n == 1 ? "" : "s"),
                impl, u.mib(), note + "; after 15 s steady state; PSS shares libraries with every process mapping them");
    }

    static Use use(List<Long> pids) {
        Use sum = new Use(0, 0, 0);
        for (long pid : pids) {
            sum = sum.plus(use(pid));
        }
        return sum;
    }

    /** Pss, Private_Clean + Private_Dirty, and Rss of one process, in kB; zeros if it is gone. */
    static Use use(long pid) {
        double pss = 0;
        double uss = 0;
        double rss = 0;
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                String[] f = l.trim().split("\\s+");
                if (f.length < 2) {
                    continue;
                }
                switch (f[0]) {
                    case "Pss:" -> pss = Double.parseDouble(f[1]);
                    case "Rss:" -> rss = Double.parseDouble(f[1]);
                    case "Private_Clean:", "Private_Dirty:" -> uss += Double.parseDouble(f[1]);
                    default -> {
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // gone
        }
        return new Use(pss, uss, rss);
    }
}
