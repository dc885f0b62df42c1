package org.carp4j.lab;

import static org.carp4j.lab.BehavioursIT.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A BACKUP never sends from the virtual MAC, with IPv6 on: not while it has always been BACKUP,
 * not as a former master after a forced `down`, nor after losing a preemption. Everything each
 * host sends from 00:00:5e:00:01:01 is captured on its own switch port; the only such frames
 * allowed are a master's (see {@link #sentWhileNotMaster}). Without IPv6 the steady state is
 * DaemonIT's.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SilentBackupIT extends LabTest {
    static final String VIP4 = "172.16.0.100";
    static final String VIP6 = "2001:db8::100";
    static final String VMAC = "00:00:5e:00:01:01";

    @Test
    void aBackupAndAFormerMasterSendNothingFromTheVirtualMacWithIpv6On() throws Exception {
        lab = Lab.create(3, false, true);
        Path[] port = new Path[3];
        Process[] tcpdump = new Process[3];
        for (int i = 1; i <= 2; i++) {
            port[i] = lab.dir().resolve("from-h" + i + ".pcap");
            tcpdump[i] = lab.capture(port[i], "h" + i + "-em0", "ether src " + VMAC);
        }
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            ok(lab.h(i), "carpconfig", "carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100", VIP4 + "/24");
            ok(lab.h(i), "carpconfig", "carp0", "inet6", VIP6, "prefixlen", "64", "alias");
            if (i == 1) {
                assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP6)), lab.h(1).log());
            }
        }
        Lab.Host h1 = lab.h(1);
        Lab.Host h2 = lab.h(2);
        // steady state, with a client asking for the VIPs (ARP, neighbour solicitations) and for h2 itself
        clientTalks();
        Thread.sleep(3000);

        ok(h1, "carpconfig", "carp0", "down"); // forced failover: h1 bows out, a former master
        assertTrue(Lab.eventually(Duration.ofSeconds(2), () -> h2.holds(VIP4) && h2.holds(VIP6)), h2.log());
        ok(h1, "carpconfig", "carp0", "up");
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> h1.carpconfig("carp0").out().contains("carp: BACKUP")));
        clientTalks();
        Thread.sleep(4000); // h1 BACKUP again for four of h2's adverts (and MLD's report interval)

        ok(h1, "carpsysctl", "-w", "net.inet.carp.preempt=1"); // h1 (advskew 0) preempts: h2 steps down
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> h1.holds(VIP6) && !h2.holds(VIP6) && !h2.holds(VIP4)),
                h1.log() + h2.log());
        clientTalks();
        Thread.sleep(4000);
        for (int i = 1; i <= 2; i++) {
            tcpdump[i].destroy();
            tcpdump[i].waitFor();
        }

        assertEquals(List.of(), sentWhileNotMaster(port[1], port[2]), "h1 sent from the virtual MAC while not MASTER");
        assertEquals(List.of(), sentWhileNotMaster(port[2], port[1]), "h2 sent from the virtual MAC while not MASTER");
        assertTrue(Captures.fields(port[2], "carp", "frame.number").size() >= 4, "h2 was MASTER in between");
    }

    private void clientTalks() throws Exception {
        Lab.Host c = lab.h(3);
        c.exec("ip", "neigh", "flush", "all");
        c.ping(VIP4);
        c.ping(VIP6);
        c.ping("2001:db8::2");
        c.ping("172.16.0.1");
    }

    /**
     * The frames of one port's capture (all from the virtual MAC) that the host sent while it was
     * not MASTER. It is MASTER from one of its own adverts until it bows out (advskew 255), or
     * until the peer advertises after it (the peer preempted: the host steps down on hearing it;
     * 50 ms for that), or for at most 1.5 s after its last advert (it advertises every second).
     */
    static List<String> sentWhileNotMaster(Path mine, Path peer) throws Exception {
        record Event(double t, String what, String line) {
        }
        List<Event> events = new ArrayList<>();
        for (String l : Captures.fields(mine, "frame", "frame.time_epoch", "carp.advskew", "frame.protocols")) {
            String[] f = l.split(",", 3);
            events.add(new Event(Double.parseDouble(f[0]), f[1].isEmpty() ? "frame" : f[1].equals("255") ? "bow-out" : "advert", l));
        }
        for (String l : Captures.fields(peer, "carp && carp.advskew != 255", "frame.time_epoch")) {
            events.add(new Event(Double.parseDouble(l), "peer advert", l));
        }
        events.sort(java.util.Comparator.comparingDouble(Event::t));
        List<String> bad = new ArrayList<>();
        double advert = Double.NaN; // our last advert
        double until = Double.NEGATIVE_INFINITY; // the end of our term, once something ended it
        boolean ended = true;
        for (Event e : events) {
            switch (e.what()) {
                case "advert" -> {
                    advert = e.t();
                    ended = false;
                }
                case "bow-out" -> {
                    until = e.t();
                    ended = true;
                }
                case "peer advert" -> {
                    if (!ended) {
                        until = e.t() + 0.05;
                        ended = true;
                    }
                }
                default -> {
                    if (ended ? e.t() > until : e.t() > advert + 1.5) {
                        bad.add(e.line());
                    }
                }
            }
        }
        return bad;
    }
}
