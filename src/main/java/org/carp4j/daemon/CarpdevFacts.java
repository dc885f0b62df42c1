package org.carp4j.daemon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.carp4j.election.Carpdev;
import org.carp4j.host.HostNetwork;

/**
 * The one owner of what carpd knows about its carpdevs (carrier, MAC, addresses). The full read
 * forks `ip`, so it runs on the host worker and its result comes back to the loop; a carrier
 * change (an rtnetlink link event, or the slow safety poll) reads /sys only, on the loop. Every
 * method runs on the loop thread.
 */
final class CarpdevFacts {
    /** Told on the loop when a carpdev appeared, changed, or vanished (then: linkUp false). */
    interface Listener {
        /** Carpdevs read together are told together, so their groups start in one election step. */
        void changed(List<Carpdev> now);
    }

    private final HostNetwork host;
    private final HostQueue worker;
    private final Log log;
    private final Map<String, Carpdev> known = new HashMap<>();
    private final Set<String> pending = new HashSet<>();
    /**
     * Asked for again while a read was under way: that read may have looked before the change
     * (an `ip addr del` then `add`, the read landing in between), so another follows it.
     */
    private final Set<String> again = new HashSet<>();
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
            again.add(name);
            return;
        }
        worker.submit("carpdev " + name, () -> {
            Optional<Carpdev> cd;
            try {
                cd = host.carpdev(name);
            } catch (IOException | RuntimeException e) { // a read that fails must not stay pending for good
                loop.accept(() -> {
                    failed(name, e);
                    readAgainIfAsked(List.of(name));
                });
                return;
            }
            loop.accept(() -> {
                try {
                    update(name, cd);
                } finally {
                    readAgainIfAsked(List.of(name));
                }
            });
        });
    }

    private void failed(String name, Exception e) {
        pending.remove(name);
        log.error("carpdev", name + ": " + e.getMessage());
    }

    /** The reads asked for while these were under way, together (16 VLANs: one job, one step). */
    private void readAgainIfAsked(List<String> names) {
        Set<String> asked = new HashSet<>();
        for (String n : names) {
            if (again.remove(n)) {
                asked.add(n);
            }
        }
        if (!asked.isEmpty()) {
            refresh(asked);
        }
    }

    /**
     * Reads several carpdevs in one job and hands the results over in one loop step, so the carp
     * interfaces on them (16 VLANs, say) start their timers together and later fail over together,
     * not one `ip` fork apart each.
     */
    void refresh(Set<String> names) {
        List<String> todo = new ArrayList<>();
        for (String n : names) {
            if (pending.add(n)) {
                todo.add(n);
            } else {
                again.add(n);
            }
        }
        if (todo.isEmpty()) {
            return;
        }
        if (todo.size() == 1) {
            pending.remove(todo.get(0));
            refresh(todo.get(0));
            return;
        }
        worker.submit("carpdevs " + todo, () -> {
            Map<String, Optional<Carpdev>> read = new LinkedHashMap<>();
            Map<String, Exception> failed = new LinkedHashMap<>();
            for (String name : todo) {
                try {
                    read.put(name, host.carpdev(name));
                } catch (IOException | RuntimeException e) {
                    failed.put(name, e);
                }
            }
            loop.accept(() -> {
                try {
                    failed.forEach(this::failed);
                    List<Carpdev> news = new ArrayList<>();
                    read.forEach((name, cd) -> changed(name, cd).ifPresent(news::add));
                    if (!news.isEmpty()) {
                        listener.changed(news);
                    }
                } finally {
                    readAgainIfAsked(todo);
                }
            });
        });
    }

    /** Re-queues the reads a host-queue overflow threw away. */
    void requeuePending() {
        Set<String> lost = new HashSet<>(pending);
        pending.clear();
        again.removeAll(lost); // the reads below start after the change: one is enough
        refresh(lost);
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
            listener.changed(List.of(now));
        }
        refresh(name);
    }

    private void update(String name, Optional<Carpdev> cd) {
        changed(name, cd).ifPresent(c -> listener.changed(List.of(c)));
    }

    /** The facts take the read in; what changed, if anything, for the listener. */
    private Optional<Carpdev> changed(String name, Optional<Carpdev> cd) {
        pending.remove(name);
        // a read started before a carrier change must not undo it: the carrier is read again now
        cd = cd.map(d -> host.carrier(name).map(d::withLink).orElse(d));
        Carpdev old = known.get(name);
        if (cd.isPresent()) {
            known.put(name, cd.get());
            return cd.get().equals(old) ? Optional.empty() : cd;
        } else if (old != null) {
            known.remove(name);
            log.warn("carpdev", name + ": interface vanished");
            return Optional.of(old.withLink(false));
        }
        return Optional.empty();
    }
}
