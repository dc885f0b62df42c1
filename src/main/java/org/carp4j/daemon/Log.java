package org.carp4j.daemon;

import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One line per event on standard error, in logfmt so a collector can parse it:
 * {@code time=... level=info if=carp0 vhid=1 event=state msg="carp0: BACKUP -> MASTER (master timed out)"}.
 */
public final class Log {
    private final PrintStream out;
    /** carpd's own log: lines wait here for the writer thread; null writes at once (tests, commands). */
    private final BlockingQueue<String> pending;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong written = new AtomicLong();

    public Log(PrintStream out) {
        this(out, null);
    }

    private Log(PrintStream out, BlockingQueue<String> pending) {
        this.out = out;
        this.pending = pending;
    }

    /**
     * A log whose lines a writer thread prints, so that a stalled standard error (a pipe nobody
     * reads, a stuck journald, a terminal paused with ^S) never stalls the loop that sends the
     * adverts: a master that stops advertising while it holds the VIP makes two masters. Beyond
     * {@code capacity} waiting lines new ones are dropped, and their number logged once the writer
     * catches up.
     */
    public static Log background(PrintStream out, int capacity) {
        Log log = new Log(out, new ArrayBlockingQueue<>(capacity));
        Thread writer = new Thread(log::write, "carpd-log");
        writer.setDaemon(true);
        writer.start();
        return log;
    }

    public void info(String event, String msg) {
        line("info", null, 0, event, msg, "");
    }

    public void warn(String event, String msg) {
        line("warning", null, 0, event, msg, "");
    }

    public void error(String event, String msg) {
        line("error", null, 0, event, msg, "");
    }

    public synchronized void line(String level, String ifname, int vhid, String event, String msg, String extra) {
        StringBuilder b = new StringBuilder(160);
        b.append("time=").append(Instant.now()).append(" level=").append(level);
        if (ifname != null) {
            b.append(" if=").append(ifname);
        }
        if (vhid > 0) {
            b.append(" vhid=").append(vhid);
        }
        b.append(" event=").append(event).append(extra).append(" msg=").append(quote(msg));
        enqueue(b.toString());
    }

    /**
     * Standard error for everything else in carpd (a capture thread's last words, the JVM's own
     * library messages): line by line into the same queue, so nothing in carpd waits for the pipe.
     */
    public PrintStream stream() {
        java.io.OutputStream lines = new java.io.OutputStream() {
            private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) {
                if (b == '\n') {
                    enqueue(line.toString(java.nio.charset.StandardCharsets.UTF_8));
                    line.reset();
                } else if (line.size() < 64 * 1024) {
                    line.write(b);
                }
            }
        };
        return new PrintStream(lines, true, java.nio.charset.StandardCharsets.UTF_8);
    }

    private void enqueue(String text) {
        if (pending == null) {
            out.println(text);
            out.flush();
        } else if (pending.offer(text)) {
            queued.incrementAndGet();
        } else {
            dropped.incrementAndGet();
        }
    }

    private void write() {
        try {
            while (true) {
                String next = pending.poll(1, java.util.concurrent.TimeUnit.SECONDS); // a burst of drops is told even if all goes quiet
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    out.println("time=" + Instant.now() + " level=warning event=log msg="
                            + quote(lost + " log lines dropped: standard error was not being read"));
                }
                if (next != null) {
                    out.println(next);
                    written.incrementAndGet();
                }
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits (at most {@code millis}) for the waiting lines to be written: the last words before exit. */
    public void flush(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        long target = queued.get();
        while (written.get() < target && System.nanoTime() < end) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
