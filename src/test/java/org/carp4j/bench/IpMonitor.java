package org.carp4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One namespace's kernel events (addresses, links) with the kernel-side times `ip -ts monitor`
 * stamps them with: the moment a VIP really appeared, not when a poll noticed it.
 */
final class IpMonitor implements AutoCloseable {
    record Event(double time, String line) {
    }

    private final Process monitor;
    private final List<Event> events = new ArrayList<>();
    private final Thread reader;

    IpMonitor(String ns, String... objects) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns, "-o", "-ts", "monitor"));
        cmd.addAll(List.of(objects));
        monitor = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(monitor.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    if (l.startsWith("[") && l.indexOf(']') > 0) {
                        Instant at = LocalDateTime.parse(l.substring(1, l.indexOf(']'))).atZone(ZoneId.systemDefault()).toInstant();
                        synchronized (events) {
                            events.add(new Event(at.getEpochSecond() + at.getNano() / 1e9, l.substring(l.indexOf(']') + 2)));
                        }
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                // monitor stopped
            }
        });
        reader.setDaemon(true);
        reader.start();
        Thread.sleep(200); // subscribed before anything happens
    }

    List<Event> events() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    /** The first event at or after t that matches, waiting up to seconds for it; null if none came. */
    Event await(double t, Predicate<String> matches, double seconds) throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            for (Event e : events()) {
                if (e.time() >= t && matches.test(e.line())) {
                    return e;
                }
            }
            Thread.sleep(2);
        } while (System.nanoTime() < end);
        return null;
    }

    /** An address event line about address (added or deleted). */
    static boolean aboutAddress(String line, String address) {
        return line.contains(" inet " + address + "/");
    }

    static boolean added(String line, String address) {
        return aboutAddress(line, address) && !line.startsWith("Deleted");
    }

    /** Whether address was on this namespace at time t, from the events seen since the monitor started. */
    boolean held(String address, double t) {
        boolean held = false;
        for (Event e : events()) {
            if (e.time() <= t && aboutAddress(e.line(), address)) {
                held = !e.line().startsWith("Deleted");
            }
        }
        return held;
    }

    @Override
    public void close() throws InterruptedException {
        monitor.destroy();
        reader.join(2000);
    }
}
