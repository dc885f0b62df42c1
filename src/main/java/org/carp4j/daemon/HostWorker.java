package org.carp4j.daemon;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one thread that changes the host: `ip` forks and /proc/sys writes, in the order the event
 * loop submitted them, and the frames that must follow a change (the gratuitous ARP after the
 * address is up). The event loop never waits for it: a slow or hung `ip` delays only what is
 * queued behind it here, never an advert. Results the loop needs come back as posted tasks.
 *
 * <p>The queue is bounded. Only the loop submits, and it always knows the whole state the host
 * should be in, so an overflow means "the backlog is stale": {@link #submit} refuses, the loop
 * throws the backlog away ({@link #clear}) and queues one job that brings the host to its current
 * wanted state instead. Dropped jobs are counted.
 */
final class HostWorker implements AutoCloseable {
    static final int CAPACITY = 256;

    /** One piece of host work; anything it throws is logged and the worker goes on. */
    interface Job {
        void run() throws Exception;
    }

    private record Named(String what, Job job) {
    }

    private final Deque<Named> queue = new ArrayDeque<>();
    private final int capacity;
    private final Log log;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private boolean busy;
    private boolean closed;

    HostWorker(Log log) {
        this(log, CAPACITY);
    }

    HostWorker(Log log, int capacity) {
        this.log = log;
        this.capacity = capacity;
        this.thread = new Thread(this::run, "carpd-host");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a job behind every earlier one; false (nothing queued) when the queue is full. */
    synchronized boolean submit(String what, Job job) {
        if (closed || queue.size() >= capacity) {
            return false;
        }
        queue.addLast(new Named(what, job));
        notifyAll();
        return true;
    }

    /** Forgets the jobs not started yet (counted as dropped); the running one finishes. */
    synchronized int clear() {
        int n = queue.size();
        queue.clear();
        dropped.addAndGet(n);
        return n;
    }

    /** Nothing queued and nothing running: every change submitted so far is done. */
    synchronized boolean idle() {
        return queue.isEmpty() && !busy;
    }

    /** Waits until {@link #idle}, at most the given time; true if it got there. */
    synchronized boolean awaitIdle(long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!(queue.isEmpty() && !busy)) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** Jobs thrown away by {@link #clear} since carpd started. */
    long dropped() {
        return dropped.get();
    }

    synchronized int backlog() {
        return queue.size();
    }

    /** Stops taking jobs; the queued ones still run (a stop's releases must reach the host). */
    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    private void run() {
        while (true) {
            Named next;
            synchronized (this) {
                while (queue.isEmpty() && !closed) {
                    busy = false;
                    notifyAll();
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (queue.isEmpty()) {
                    busy = false;
                    notifyAll();
                    return;
                }
                next = queue.pollFirst();
                busy = true;
            }
            try {
                next.job().run();
            } catch (OutOfMemoryError e) {
                throw e;
            } catch (Throwable e) {
                // One failed change must not stop the ones behind it.
                log.error("host", next.what() + ": " + e.getMessage());
            }
        }
    }
}
