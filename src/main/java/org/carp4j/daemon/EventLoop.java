package org.carp4j.daemon;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The daemon's single thread: the engine is only ever touched here. It runs posted tasks
 * (captured frames, control requests, link changes) and wakes for the engine's next timer.
 */
final class EventLoop {
    interface Timers {
        long nextDeadline();

        void fire(long now);
    }

    private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final LongSupplier clock;
    private final Timers timers;
    private volatile boolean stopped;
    private Thread thread;

    EventLoop(LongSupplier clock, Timers timers) {
        this.clock = clock;
        this.timers = timers;
    }

    void start() {
        thread = new Thread(this::run, "carpd-loop");
        thread.start();
    }

    void post(Runnable r) {
        tasks.add(r);
    }

    <T> T call(Callable<T> c, long timeoutMillis) throws Exception {
        if (Thread.currentThread() == thread) {
            return c.call();
        }
        FutureTask<T> f = new FutureTask<>(c);
        tasks.add(f);
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        } catch (TimeoutException e) {
            f.cancel(false);
            throw e;
        }
    }

    void stop() throws InterruptedException {
        stopped = true;
        tasks.add(() -> { });
        if (thread != null && Thread.currentThread() != thread) {
            thread.join(5000);
        }
    }

    private void run() {
        while (!stopped) {
            try {
                long now = clock.getAsLong();
                long due = timers.nextDeadline();
                if (due <= now) {
                    timers.fire(now);
                    continue;
                }
                long wait = Math.min(due - now, TimeUnit.SECONDS.toNanos(1));
                Runnable r = tasks.poll(wait, TimeUnit.NANOSECONDS);
                if (r != null) {
                    r.run();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // One bad event must not stop the daemon; it is logged by the task itself.
                System.err.println("time=" + java.time.Instant.now() + " level=error event=internal msg="
                        + Log.quote(String.valueOf(e)));
            }
        }
    }
}
