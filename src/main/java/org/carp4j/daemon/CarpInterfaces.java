package org.carp4j.daemon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.StateDocument;
import org.carp4j.config.VhostConfig;
import org.carp4j.host.HostNetwork;
import org.carp4j.link.Link;

/**
 * Host reconciliation: the carpN interfaces and the carpdev links match the configuration. The
 * changes run on the host worker; this class remembers what it asked for ({@code wanted}) and what
 * the host confirmed ({@code present}), and notices when an interface vanished from the host
 * behind carpd's back. Every method runs on the loop thread.
 */
final class CarpInterfaces {
    interface LinkOpener {
        Link open(String carpdev, Link.Receiver receiver) throws IOException;
    }

    private final HostNetwork host;
    private final HostQueue worker;
    private final LinkOpener opener;
    private final Log log;
    private final Map<String, CarpIface> wanted = new HashMap<>();
    private final Set<String> present = new HashSet<>();
    /** Every name carpd ever created, for the overflow resync to remove what is no longer wanted. */
    private final Set<String> ever = new HashSet<>();
    /** carpN names held by an interface carpd did not make: left alone; wanted, never present. */
    private final Set<String> foreign = new TreeSet<>();
    private final Map<String, Link> links = new HashMap<>();
    private Consumer<Runnable> loop = Runnable::run;
    private Link.Receiver frames = (dev, f) -> { };
    private Runnable foreignChanged = () -> { };

    CarpInterfaces(HostNetwork host, HostQueue worker, LinkOpener opener, Log log) {
        this.host = host;
        this.worker = worker;
        this.opener = opener;
        this.log = log;
    }

    /** foreignChanged runs on the loop when a name is found held by someone else, or freed again. */
    void attach(Consumer<Runnable> loop, Link.Receiver frames, Runnable foreignChanged) {
        this.loop = loop;
        this.frames = frames;
        this.foreignChanged = foreignChanged;
    }

    Set<String> foreign() {
        return Set.copyOf(foreign);
    }

    /** The interface exists on the host as carpd made it (confirmed by the worker). */
    boolean present(String name) {
        return present.contains(name);
    }

    Link link(String carpdev) {
        return links.get(carpdev);
    }

    /** The open links by carpdev. */
    Map<String, Link> links() {
        return Map.copyOf(links);
    }

    Map<String, CarpIface> wanted() {
        return Map.copyOf(wanted);
    }

    Set<String> ever() {
        return Set.copyOf(ever);
    }

    /** Makes the host's carp interfaces and the open links match the document. */
    void sync(StateDocument doc, CarpdevFacts facts) {
        Map<String, CarpIface> next = new HashMap<>();
        for (VhostConfig c : doc.interfaces()) {
            if (c.carpdev() != null && c.vhid() > 0 && facts.known(c.carpdev())) {
                next.put(c.name(), CarpIface.of(c));
            }
        }
        for (String name : new ArrayList<>(wanted.keySet())) {
            if (!wanted.get(name).equals(next.get(name))) {
                destroy(name);
            }
        }
        foreign.retainAll(next.keySet());
        boolean answerArp = doc.sysctls().arpbalance() == 0;
        for (CarpIface k : next.values()) {
            if (!wanted.containsKey(k.name())) {
                create(k, answerArp);
            }
        }
        Set<String> devs = new TreeSet<>();
        next.values().forEach(k -> devs.add(k.carpdev()));
        for (String d : new ArrayList<>(links.keySet())) {
            if (!devs.contains(d)) {
                Link l = links.remove(d);
                // closing waits for the capture thread (up to a second): not on the loop
                Thread t = new Thread(l::close, "link-close-" + d);
                t.setDaemon(true);
                t.start();
            }
        }
        for (String d : devs) {
            if (!links.containsKey(d)) {
                try {
                    links.put(d, opener.open(d, frames));
                } catch (IOException ex) {
                    log.error("link", d + ": " + ex.getMessage());
                }
            }
            Link l = links.get(d);
            if (l != null) {
                Set<Integer> vhids = new TreeSet<>();
                next.values().stream().filter(k -> k.carpdev().equals(d)).forEach(k -> vhids.add(k.vhid()));
                try {
                    l.vhids(vhids); // the kernel filter: other vhids never reach the loop
                } catch (IOException ex) {
                    log.error("link", d + ": " + ex.getMessage());
                }
            }
        }
    }

    /** net.inet.carp.arpbalance changed: the kernel answers ARP on carpN only while it is 0. */
    void kernelArp(boolean answer) {
        for (String name : wanted.keySet()) {
            if (foreign.contains(name)) {
                continue; // someone else's interface: its ARP settings are not ours to change
            }
            worker.submit(name + " kernel arp", () -> host.kernelArp(name, answer));
        }
    }

    /**
     * Polled often, no fork: an interface the host confirmed that is gone now (`ip link del`) is
     * logged and recreated; {@code recreated} then puts back what it carried.
     */
    void checkDrift(boolean answerArp, Consumer<String> recreated) {
        boolean freed = false;
        Set<String> names = new HashSet<>(foreign);
        names.addAll(present);
        Set<String> existing = host.existing(names);
        for (String name : new ArrayList<>(foreign)) {
            if (!existing.contains(name)) { // the admin removed it: the name is ours to use now
                foreign.remove(name);
                wanted.remove(name);
                freed = true;
            }
        }
        if (freed) {
            foreignChanged.run();
        }
        for (String name : new ArrayList<>(present)) {
            if (!existing.contains(name)) {
                present.remove(name);
                log.warn("host", name + " vanished from the host; recreating");
                create(wanted.get(name), answerArp);
                recreated.accept(name);
            }
        }
    }

    /** A host-queue overflow replaced the queue with a resync: it confirms what it made. */
    void confirm(Map<String, CarpIface> made) {
        made.forEach((name, k) -> {
            if (k.equals(wanted.get(name))) {
                present.add(name);
            }
        });
    }

    /** Graceful stop: every interface carpd made goes away, and the links close. */
    void destroyAll() {
        for (String name : new ArrayList<>(wanted.keySet())) {
            destroy(name);
        }
    }

    void closeLinks() {
        links.values().forEach(Link::close);
        links.clear();
    }

    private void create(CarpIface k, boolean answerArp) {
        wanted.put(k.name(), k);
        ever.add(k.name());
        worker.submit(k.name() + " create", () -> {
            try {
                host.createCarpInterface(k.name(), k.carpdev(), MacAddress.virtual(k.vhid()), k.ipv6());
                host.kernelArp(k.name(), answerArp);
            } catch (HostNetwork.ForeignInterfaceException e) {
                loop.accept(() -> {
                    // stays wanted (so no retry on every sync) but never present, until the name is free
                    if (k.equals(wanted.get(k.name())) && foreign.add(k.name())) {
                        log.line("error", k.name(), k.vhid(), "host", e.getMessage(), "");
                        foreignChanged.run();
                    }
                });
                return;
            } catch (IOException e) {
                loop.accept(() -> {
                    log.error("host", k.name() + ": cannot create: " + e.getMessage());
                    if (k.equals(wanted.get(k.name()))) {
                        wanted.remove(k.name()); // a later change of the configuration tries again
                    }
                });
                return;
            }
            loop.accept(() -> {
                if (k.equals(wanted.get(k.name()))) {
                    present.add(k.name());
                }
            });
        });
    }

    private void destroy(String name) {
        wanted.remove(name);
        present.remove(name);
        if (foreign.remove(name)) {
            return; // never carpd's to remove
        }
        worker.submit(name + " destroy", () -> {
            try {
                host.destroyCarpInterface(name);
            } catch (IOException e) {
                log.error("host", name + ": cannot remove: " + e.getMessage());
            }
        });
    }
}
