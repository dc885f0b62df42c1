package org.carp4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.carp4j.lab.Lab;

/**
 * Every CARP advert seen on a lab interface, with tcpdump's timestamp (the system clock, the same
 * one the benchmarks read), parsed as it streams.
 */
final class AdvertWatch implements AutoCloseable {
    record Seen(double time, String src, int vhid) {
    }

    private final Process tcpdump;
    private final List<Seen> seen = new ArrayList<>();
    private final Thread reader;

    AdvertWatch(Lab lab, String iface, String filter) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.switchName(), "tcpdump", "-l", "-n", "-tt",
                "-i", iface));
        if (!iface.startsWith("br")) {
            cmd.addAll(List.of("-Q", "in"));
        }
        cmd.addAll(List.of("-T", "carp", filter));
        tcpdump = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(tcpdump.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    // 1763780000.123456 IP 172.16.0.1 > 224.0.0.18: CARPv2-advertise 36: vhid=1 advbase=1 ...
                    String[] f = line.split(" ");
                    int v = line.indexOf("vhid=");
                    if (f.length > 3 && v > 0) {
                        int vhid = Integer.parseInt(line.substring(v + 5).split("[ ,]")[0]);
                        synchronized (seen) {
                            seen.add(new Seen(Double.parseDouble(f[0]), f[2], vhid));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // tcpdump stopped
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    List<Seen> all() {
        synchronized (seen) {
            return new ArrayList<>(seen);
        }
    }

    /** The last advert from src at or before t (seconds since the epoch), or NaN. */
    double lastFrom(String src, double t) {
        double last = Double.NaN;
        for (Seen s : all()) {
            if (s.src.equals(src) && s.time <= t) {
                last = s.time;
            }
        }
        return last;
    }

    void clear() {
        synchronized (seen) {
            seen.clear();
        }
    }

    @Override
    public void close() throws InterruptedException {
        tcpdump.destroy();
        reader.join(2000);
    }
}
