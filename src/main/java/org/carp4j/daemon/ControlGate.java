package org.carp4j.daemon;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.carp4j.commands.HostInterface;
import org.carp4j.control.ControlClient;
import org.carp4j.control.Protocol;
import org.carp4j.host.HostNetwork;

/**
 * Where a control request enters, on the control server's thread. What forks is done here, off
 * the loop (the host's interfaces for the words that check against them); a full event queue is
 * answered busy; and the answer waits until the host worker has carried the change out, so the
 * next command shows the host as it now is. A change is checked on the loop, saved (fsync) here,
 * off the loop, so a slow disk never delays an advert, and then applied on the loop; one request
 * at a time goes through those three steps.
 */
final class ControlGate {
    private final EventLoop loop;
    private final Daemon daemon;
    private final HostNetwork host;
    private final HostWorker worker;
    private final Object oneAtATime = new Object();

    ControlGate(EventLoop loop, Daemon daemon, HostNetwork host, HostWorker worker) {
        this.loop = loop;
        this.daemon = daemon;
        this.host = host;
        this.worker = worker;
    }

    Protocol.Response serve(Protocol.Request req) {
        List<HostInterface> view = null;
        IOException viewError = null;
        if (mayNeedHost(req)) {
            try {
                view = host.interfaces();
            } catch (IOException e) {
                viewError = e;
            }
        }
        List<HostInterface> v = view;
        IOException ve = viewError;
        Protocol.Response r;
        synchronized (oneAtATime) {
            Daemon.Staged s;
            try {
                s = loop.call(() -> daemon.stage(req, v, ve), 10_000);
            } catch (RejectedExecutionException e) {
                return Protocol.Response.error(ControlClient.BUSY, "carpd is busy, try again");
            } catch (Exception e) {
                return Protocol.Response.error(Carpd.EX_UNAVAILABLE, "carpd could not complete the request: " + e);
            }
            r = s.next() == null || s.response().exit() != 0 ? s.response() : saveAndApply(s, req, v, ve);
        }
        settle();
        return r;
    }

    private Protocol.Response saveAndApply(Daemon.Staged s, Protocol.Request req, List<HostInterface> v,
                                           IOException ve) {
        Protocol.Response failed = daemon.saveStaged(s);
        if (failed != null) {
            return failed;
        }
        // posted, never refused: what is on disk must also run (only a stop cancels it; the file has it for the next start)
        FutureTask<Protocol.Response> apply = new FutureTask<>(() -> {
            Protocol.Response done = daemon.finish(s);
            return done != null ? done : daemon.rerun(req, v, ve); // reloaded meanwhile: once more, on the loop
        });
        loop.post(apply);
        try {
            return apply.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return Protocol.Response.error(Carpd.EX_UNAVAILABLE, "carpd saved the change but could not confirm it"
                    + " was applied: " + e);
        }
    }

    /**
     * `carpconfig carpN carpdev em0` checks em0 exists; an address without a carpdev, and the
     * addresses kept by `-carpdev`, pick the interface whose subnet holds them. Only those words pay
     * for reading the host.
     */
    static boolean mayNeedHost(Protocol.Request req) {
        return req.op().equals("carpconfig") && req.args().size() > 1 && req.args().stream()
                .anyMatch(a -> a.equals("carpdev") || a.equals("-carpdev") || a.contains(".") || a.contains(":"));
    }

    /** Until the host worker and the results it posted back are done (bounded: never hangs a client). */
    private void settle() {
        try {
            for (int i = 0; i < 4; i++) {
                if (!worker.awaitIdle(2_000)) {
                    return;
                }
                loop.call(() -> null, 2_000);
                if (worker.idle()) {
                    return;
                }
            }
        } catch (Exception e) {
            // the answer is already decided; a slow host only makes the display lag
        }
    }
}
