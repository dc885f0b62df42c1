package org.carp4j.daemon;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.carp4j.election.Carpdev;
import org.carp4j.host.HostNetwork;

/**
 * The one owner of what carpd knows about its carpdevs (carrier, MAC, addresses). The full read
 * forks `ip`, so it runs on the host worker and its result comes back to the loop; a carrier
 * change (an rtnetlink link event, or the slow safety poll) reads /sys only, on the loop. Every method runs on the loop thread.
 */
final class CarpdevFacts {
    /** Told on the loop when a carpdev appeared, changed, or vanished (then: linkUp false). */
    interface Listener {
        void changed(Carpdev now);
    }

    private final HostNetwork host;
    private final HostQueue worker;
    private final Log log;
    private final Map<String, Carpdev> known = new HashMap<>();
    private final Set<String> pending = new HashSet<>();
    private Consumer<Runnable> loop = Runnable::run;
    private Listener listener = c -> { };

    CarpdevFacts(HostNetwork host, HostQueue worker, Log log) {
        this.host = host;
        this.worker = worker;
        this.log = log;
    }

    void attach(Consumer<Runnable> loop, Listener listener) {
        this.loop = loop;
        this.listener = listener;
    }

    Optional<Carpdev> get(String name) {
        return Optional.ofNullable(known.get(name));
    }

    boolean known(String name) {
        return known.containsKey(name);
    }

    /** A read is under way: the facts may be about to change. */
    boolean pending(String name) {
        return pending.contains(name);
    }

    /** Reads the carpdev again (on the worker); at most one read per carpdev is queued. */
    void refresh(String name) {
        if (!pending.add(name)) {
            return;
        }
        worker.submit("carpdev " + name, () -> {
            Optional<Carpdev> cd;
            try {
                cd = host.carpdev(name);
            } catch (IOException e) {
                loop.accept(() -> {
                    pending.remove(name);
                    log.error("carpdev", name + ": " + e.getMessage());
                });
                return;
            }
            loop.accept(() -> update(name, cd));
        });
    }

    /** Re-queues the reads a host-queue overflow threw away. */
    void requeuePending() {
        Set<String> again = new HashSet<>(pending);
        pending.clear();
        again.forEach(this::refresh);
    }

    /** Polled often, no fork: a carrier change, or a carpdev appearing or vanishing, triggers a read. */
    void poll(Set<String> names) {
        for (String d : names) {
            if (pending.contains(d)) {
                continue;
            }
            Optional<Boolean> c = host.carrier(d);
            Carpdev k = known.get(d);
            if (c.isEmpty() ? k != null : k == null || k.linkUp() != c.get()) {
                refresh(d);
            }
        }
    }

    /**
     * The kernel said the carpdev's link changed: its carrier (from /sys, no fork) counts at once,
     * so a cable cut demotes the group now, not after a fork of `ip`; the full read follows.
     */
    void linkChanged(String name) {
        Carpdev k = known.get(name);
        Optional<Boolean> c = host.carrier(name);
        if (k != null && c.isPresent() && k.linkUp() != c.get()) {
            Carpdev now = k.withLink(c.get());
            known.put(name, now);
            listener.changed(now);
        }
        refresh(name);
    }

    private void update(String name, Optional<Carpdev> cd) {
        pending.remove(name);
        // a read started before a carrier change must not undo it: the carrier is read again now
        cd = cd.map(d -> host.carrier(name).map(d::withLink).orElse(d));
        Carpdev old = known.get(name);
        if (cd.isPresent()) {
            known.put(name, cd.get());
            if (!cd.get().equals(old)) {
                listener.changed(cd.get());
            }
        } else if (old != null) {
            known.remove(name);
            log.warn("carpdev", name + ": interface vanished");
            listener.changed(old.withLink(false));
        }
    }
}
