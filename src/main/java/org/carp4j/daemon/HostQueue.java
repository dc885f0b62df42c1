package org.carp4j.daemon;

import java.util.function.Supplier;

/**
 * The loop's side of the host worker. When the worker's queue is full its backlog is stale (the
 * loop has already moved on), so it is thrown away, counted and logged, and replaced by one job
 * that brings the host to the state the loop wants now: only the latest wanted state matters.
 */
final class HostQueue {
    private final HostWorker worker;
    private final Log log;
    private Supplier<HostWorker.Job> resync = () -> () -> { };
    private long overflows;
    private long overflowsBefore;
    private boolean overflowing;

    HostQueue(HostWorker worker, Log log) {
        this.worker = worker;
        this.log = log;
    }

    /** The job that makes the host match the loop's current wanted state (built on the loop). */
    void resyncWith(Supplier<HostWorker.Job> resync) {
        this.resync = resync;
    }

    void submit(String what, HostWorker.Job job) {
        if (overflowing && worker.idle()) {
            overflowing = false;
            log.info("queue", "host queue drained after " + (overflows - overflowsBefore) + " overflow(s)");
        }
        if (worker.submit(what, job)) {
            return;
        }
        int dropped = worker.clear();
        overflows++;
        // once per episode: a hung `ip` would otherwise log every 256 changes for as long as it hangs
        if (!overflowing) {
            overflowing = true;
            overflowsBefore = overflows - 1;
            log.warn("queue", "host queue full (" + dropped + " changes waiting behind a slow `ip`):"
                    + " replaced them with one resync to the current wanted state, and so on until it drains");
        }
        worker.submit("resync", resync.get());
    }

    boolean idle() {
        return worker.idle();
    }

    HostWorker worker() {
        return worker;
    }

    long overflows() {
        return overflows;
    }
}
