package org.carp4j.daemon;

import java.util.concurrent.BlockingDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The daemon's single thread: the engine is only ever touched here. It runs posted tasks
 * (captured frames, control requests, link changes, host results) and wakes for the engine's
 * next timer.
 *
 * <p>The queue is bounded for what the outside world sends (captured frames, control requests):
 * beyond {@link #capacity} a frame is dropped and counted, a request is refused. What carpd itself
 * posts (host results, which its bounded host worker limits) always gets in, and a stop goes to
 * the front, so a graceful stop under a flood still sends the bow-out.
 */
final class EventLoop {
    static final int CAPACITY = 4096;
    /**
     * Tasks queued before a due timer's deadline that run ahead of it: an advert that arrived
     * while the loop was busy (a pause of a few tens of ms is a master-down at advbase 0) must reset
     * the master-down before that timer can fire, also when a host result or a request was queued
     * in front of it. Bounded, so a backlog cannot hold timers back.
     */
    static final int EARLIER_FIRST = 64;
    /**
     * And at most this long: what runs ahead may be a control request, not a frame, and a master's
     * due advert must not wait behind a burst of displays (at advbase 0 the peer's master-down is
     * three adverts away).
     */
    static final long RUN_AHEAD_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    /** A queued task (a captured frame, a host result, a request) and when it was queued. */
    private record Stamped(Runnable task, long at) implements Runnable {
        @Override
        public void run() {
            task.run();
        }
    }

    interface Timers {
        long nextDeadline();

        void fire(long now);
    }

    private final BlockingDeque<Runnable> tasks = new LinkedBlockingDeque<>();
    private final int capacity;
    private final LongSupplier clock;
    private final Timers timers;
    private final Log log;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicBoolean overflowing = new AtomicBoolean();
    private volatile boolean stopped;
    private Thread thread;

    EventLoop(LongSupplier clock, Timers timers, Log log) {
        this(clock, timers, log, CAPACITY);
    }

    EventLoop(LongSupplier clock, Timers timers, Log log, int capacity) {
        this.clock = clock;
        this.timers = timers;
        this.log = log;
        this.capacity = capacity;
    }

    void start() {
        thread = new Thread(this::run, "carpd-loop");
        thread.start();
    }

    /** Something from outside (a captured frame): dropped and counted when the queue is full. */
    boolean offer(Runnable r) {
        if (tasks.size() >= capacity) {
            dropped.incrementAndGet();
            overflow();
            return false;
        }
        tasks.addLast(new Stamped(r, clock.getAsLong()));
        return true;
    }

    /** carpd's own work (host results, link changes): always queued; its producers are bounded. */
    void post(Runnable r) {
        tasks.addLast(new Stamped(r, clock.getAsLong()));
        if (stopped) {
            abandonQueued(); // the loop has ended: a caller waiting on r learns it at once
        }
    }

    /** A request from outside; RejectedExecutionException when the queue is full (answer busy). */
    <T> T call(Callable<T> c, long timeoutMillis) throws Exception {
        if (Thread.currentThread() == thread) {
            return c.call();
        }
        if (tasks.size() >= capacity) {
            refused.incrementAndGet();
            overflow();
            throw new RejectedExecutionException("the event queue is full");
        }
        return await(c, timeoutMillis, false);
    }

    /** Runs c before anything queued: the stop, which must not wait behind a flood. */
    <T> T callFirst(Callable<T> c, long timeoutMillis) throws Exception {
        if (Thread.currentThread() == thread) {
            return c.call();
        }
        return await(c, timeoutMillis, true);
    }

    private <T> T await(Callable<T> c, long timeoutMillis, boolean first) throws Exception {
        FutureTask<T> f = new FutureTask<>(c);
        if (stopped) {
            // nothing will run it: a caller (a stop during start, a late request) must not wait it out
            throw new RejectedExecutionException("the event loop has stopped");
        }
        if (first) {
            tasks.addFirst(new Stamped(f, clock.getAsLong()));
        } else {
            tasks.addLast(new Stamped(f, clock.getAsLong()));
        }
        if (stopped) {
            abandonQueued(); // the loop may have ended between the check and the add
        }
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.CancellationException e) {
            throw new RejectedExecutionException("the event loop stopped before it ran the task");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        } catch (TimeoutException e) {
            f.cancel(false);
            throw e;
        }
    }

    /** Entries waiting in the queue. */
    int queued() {
        return tasks.size();
    }

    /** Captured frames dropped because the queue was full. */
    long dropped() {
        return dropped.get();
    }

    /** Control requests answered busy because the queue was full. */
    long refused() {
        return refused.get();
    }

    private void overflow() {
        if (overflowing.compareAndSet(false, true)) {
            log.warn("queue", "event queue full (" + capacity + "): dropping captured frames and refusing"
                    + " requests until it drains");
        }
    }

    void stop() throws InterruptedException {
        stopped = true;
        tasks.addFirst(() -> { });
        if (thread != null && Thread.currentThread() != thread) {
            thread.join(5000);
        }
    }

    /** Cancels the callers' tasks still queued once the loop has ended, so that none waits for its timeout. */
    private void abandonQueued() {
        for (Runnable r; (r = tasks.pollFirst()) != null; ) {
            if (r instanceof Stamped s && s.task() instanceof FutureTask<?> f) {
                f.cancel(false);
            }
        }
    }

    private void run() {
        try {
            loop();
        } finally {
            abandonQueued();
        }
    }

    private void loop() {
        int earlier = 0;
        long aheadSince = 0;
        while (!stopped) {
            try {
                long now = clock.getAsLong();
                long due = timers.nextDeadline();
                if (due <= now) {
                    if (earlier < EARLIER_FIRST && (earlier == 0 || now - aheadSince < RUN_AHEAD_NANOS)
                            && tasks.peekFirst() instanceof Stamped s && s.at() <= due) {
                        if (earlier++ == 0) {
                            aheadSince = now;
                        }
                        Runnable r = tasks.pollFirst(); // only this thread takes, so r is s or a stop put first
                        if (r != null) {
                            r.run();
                        }
                        continue;
                    }
                    earlier = 0;
                    timers.fire(now);
                    continue;
                }
                earlier = 0; // the cap counts frames run ahead of one overdue deadline, not for ever
                long wait = Math.min(due - now, TimeUnit.SECONDS.toNanos(1));
                Runnable r = tasks.poll(wait, TimeUnit.NANOSECONDS);
                if (r != null) {
                    r.run();
                }
                if (overflowing.get() && tasks.size() < capacity / 2 && overflowing.compareAndSet(true, false)) {
                    log.info("queue", "event queue drained; " + dropped.get() + " frame(s) dropped and "
                            + refused.get() + " request(s) refused since carpd started");
                }
            } catch (InterruptedException e) {
                return;
            } catch (OutOfMemoryError e) {
                throw e; // -XX:+ExitOnOutOfMemoryError (and Carpd's last-resort handler) end the process
            } catch (Throwable e) {
                // One bad event, even an Error, must not stop the election: log it and go on.
                log.error("internal", "event loop: " + e);
            }
        }
    }
}
