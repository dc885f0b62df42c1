package org.carp4j.daemon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.StateDocument;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.Action;
import org.carp4j.election.Carpdev;
import org.carp4j.host.HostNetwork;
import org.carp4j.link.Link;

/**
 * What replaces a stale host backlog after the host queue overflowed: the host as the loop wants
 * it at that moment. Interfaces carpd no longer wants are removed, wanted ones exist (created if
 * missing), each holds exactly the addresses its state calls for, and held ones are announced.
 * Built on the loop from a snapshot; runs on the host worker.
 */
final class HostResync implements HostWorker.Job {
    private record Plan(CarpIface iface, List<VipAddress> release, List<VipAddress> hold, List<VipAddress> own,
                        List<Action.SendFrame> announce, Link link) {
    }

    private final HostNetwork host;
    private final Log log;
    private final Set<String> gone;
    private final List<Plan> plans;
    private final boolean answerArp;
    private final Runnable done;

    private HostResync(HostNetwork host, Log log, Set<String> gone, List<Plan> plans, boolean answerArp, Runnable done) {
        this.host = host;
        this.log = log;
        this.gone = gone;
        this.plans = plans;
        this.answerArp = answerArp;
        this.done = done;
    }

    /** done runs on the worker once the host is in shape (it posts the confirmation to the loop). */
    static HostResync of(StateDocument doc, CarpInterfaces ifaces, Effects effects, CarpdevFacts facts,
                         HostNetwork host, Log log, Runnable done) {
        Map<String, CarpIface> wanted = ifaces.wanted();
        Set<String> gone = new TreeSet<>(ifaces.ever());
        gone.removeAll(wanted.keySet());
        Map<String, List<VipAddress>> held = effects.held();
        Set<String> foreign = ifaces.foreign();
        List<Plan> plans = new ArrayList<>();
        for (CarpIface k : wanted.values()) {
            // built while a sync may be half-way (its destroy loop overflowed the queue): skip what the
            // document no longer has; never touch an interface of that name carpd did not make
            VhostConfig c = doc.find(k.name()).orElse(null);
            if (c == null || foreign.contains(k.name())) {
                continue;
            }
            List<VipAddress> hold = held.getOrDefault(k.name(), List.of());
            List<VipAddress> release = new ArrayList<>(c.addresses());
            release.removeAll(hold);
            plans.add(new Plan(k, release, hold, facts.get(k.carpdev()).map(Carpdev::addresses).orElse(List.of()),
                    effects.announcements(k.name(), hold), ifaces.link(k.carpdev())));
        }
        return new HostResync(host, log, gone, plans, doc.sysctls().arpbalance() == 0, done);
    }

    @Override
    public void run() throws IOException {
        for (String name : gone) {
            host.destroyCarpInterface(name);
        }
        for (Plan p : plans) {
            try {
                apply(p);
            } catch (IOException e) {
                log.error("host", p.iface().name() + ": resync: " + e.getMessage());
            }
        }
        done.run();
    }

    private void apply(Plan p) throws IOException {
        CarpIface k = p.iface();
        if (host.carrier(k.name()).isEmpty()) {
            host.createCarpInterface(k.name(), k.carpdev(), MacAddress.virtual(k.vhid()), k.ipv6());
        }
        host.kernelArp(k.name(), answerArp);
        host.removeAddresses(k.name(), p.release());
        if (!p.hold().isEmpty()) {
            host.addAddresses(k.name(), p.hold(), p.own());
            if (p.link() != null) {
                for (Action.SendFrame f : p.announce()) {
                    p.link().send(f.frame());
                }
            }
        }
    }
}
