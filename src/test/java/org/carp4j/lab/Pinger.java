package org.carp4j.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A client pinging an address every 50 ms from a lab host, to measure the gaps in reachability
 * during a takeover as the client sees them.
 */
final class Pinger implements AutoCloseable {
    static final int INTERVAL_MS = 50;
    private final Process ping;
    private final List<Boolean> replies = new ArrayList<>();
    private final Thread reader;

    Pinger(Lab.Host from, String address) throws IOException {
        ping = new ProcessBuilder("ip", "netns", "exec", from.ns, "ping", "-n", "-O", "-i", "0.05", "-W", "1", address)
                .redirectErrorStream(true).start();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(ping.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (replies) {
                        if (line.contains("bytes from")) {
                            replies.add(true);
                        } else if (line.startsWith("no answer yet")) {
                            replies.add(false);
                        }
                    }
                }
            } catch (IOException e) {
                // ping ended
            }
        });
        reader.start();
    }

    /** The longest run of unanswered pings, in milliseconds. */
    long longestGapMs() {
        synchronized (replies) {
            int best = 0;
            int run = 0;
            for (boolean ok : replies) {
                run = ok ? 0 : run + 1;
                best = Math.max(best, run);
            }
            return (long) best * INTERVAL_MS;
        }
    }

    boolean lastAnswered() {
        synchronized (replies) {
            return !replies.isEmpty() && replies.get(replies.size() - 1);
        }
    }

    int answered() {
        synchronized (replies) {
            return (int) replies.stream().filter(b -> b).count();
        }
    }

    void reset() {
        synchronized (replies) {
            replies.clear();
        }
    }

    @Override
    public void close() throws InterruptedException {
        ping.destroy();
        reader.join(2000);
    }
}
