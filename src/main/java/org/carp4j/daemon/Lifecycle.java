package org.carp4j.daemon;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;

/**
 * Everything carpd has started, in the order it started; one stop, last first, on every exit
 * path: a signal, a failed start, a guard that cannot be re-armed. A step that fails is logged
 * and the next one still runs. Only the first stop does anything; its exit code is carpd's.
 */
final class Lifecycle {
    interface Stop {
        void run() throws Exception;
    }

    /** Thrown by {@link #started} when a stop came first: the start is abandoned. */
    static final class Stopping extends Exception {
        Stopping() {
            super("stopping", null, false, false);
        }
    }

    private record Step(String what, Stop stop) {
    }

    private final Deque<Step> steps = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Log log;
    private boolean stopping;
    private int exitCode;

    Lifecycle(Log log) {
        this.log = log;
    }

    /**
     * Records what was just started and how to stop it. If carpd is already stopping, it is
     * stopped at once and the start is abandoned with {@link Stopping}.
     */
    synchronized void started(String what, Stop stop) throws Stopping {
        if (stopping) {
            run(new Step(what, stop));
            throw new Stopping();
        }
        steps.push(new Step(what, stop));
    }

    /** Stops everything started so far, last first. Later calls only wait for the first. */
    void stop(int code) {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
            exitCode = code;
            while (!steps.isEmpty()) {
                run(steps.pop());
            }
        }
        stopped.countDown();
    }

    private void run(Step s) {
        try {
            s.stop.run();
        } catch (Exception e) {
            log.error("stop", s.what + ": " + e);
        }
    }

    /** Blocks until a stop has finished; its exit code. */
    int awaitStopped() throws InterruptedException {
        stopped.await();
        synchronized (this) {
            return exitCode;
        }
    }
}
