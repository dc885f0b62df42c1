package org.carp4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.carp4j.lab.Lab;

/**
 * Every gratuitous ARP (sender IP = target IP, from a CARP virtual MAC) seen on a lab bridge, with
 * tcpdump's microsecond timestamp: the system clock, the one carpd stamps its log lines with.
 */
final class GarpWatch implements AutoCloseable {
    record Garp(double time, String vip) {
    }

    /** 1764763200.123456 ARP, Request who-has 172.16.0.100 tell 172.16.0.100, length 28 (VLAN tagged too) */
    private static final Pattern LINE = Pattern.compile("^(\\d+\\.\\d+) .*Request who-has (\\S+) tell (\\S+),");

    private final Process tcpdump;
    private final List<Garp> seen = new ArrayList<>();
    private final Thread reader;

    GarpWatch(Lab lab, String bridge) throws IOException, InterruptedException {
        tcpdump = new ProcessBuilder("ip", "netns", "exec", lab.switchName(), "tcpdump", "-l", "-n", "-tt",
                "--time-stamp-precision=micro", "-B", "8192", "-i", bridge, "(arp or (vlan and arp)) and ether[6:4] = 0x00005e00")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(tcpdump.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    Matcher m = LINE.matcher(line);
                    if (m.find() && m.group(2).equals(m.group(3))) {
                        synchronized (seen) {
                            seen.add(new Garp(Double.parseDouble(m.group(1)), m.group(2)));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // tcpdump stopped
            }
        });
        reader.setDaemon(true);
        reader.start();
        Thread.sleep(1000); // tcpdump attached before the first run
    }

    List<Garp> all() {
        synchronized (seen) {
            return new ArrayList<>(seen);
        }
    }

    /** The first GARP at or after t (seconds since the epoch) for each VIP, in VIP order of vips. */
    List<Double> firstAfter(double t, List<String> vips) {
        List<Double> out = new ArrayList<>();
        List<Garp> all = all();
        for (String v : vips) {
            double first = Double.NaN;
            for (Garp g : all) {
                if (g.vip().equals(v) && g.time() >= t) {
                    first = g.time();
                    break;
                }
            }
            out.add(first);
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        tcpdump.destroy();
        reader.join(2000);
    }
}
