package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Group failover at scale: many carp interfaces whose master dies together move to the backup
 * together (their addresses go to the kernel in one rtnetlink request per decision), and no VIP is
 * ever held by both hosts.
 */
@Timeout(300)
class GroupFailoverIT extends LabTest {
    /**
     * Generous, well under one advert interval: the groups failed over together, not an interval
     * apart (measured spreads are in bench/run group).
     */
    static final long SPREAD_BOUND_MS = 500;

    /** Samples both hosts until closed; remembers the first VIP seen on both at once. */
    private final class NeverTwo implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicReference<String> both = new AtomicReference<>();
        final Thread poller;

        NeverTwo(List<GroupLab.Group> groups) {
            poller = new Thread(() -> {
                while (running.get()) {
                    try {
                        String a = lab.h(1).addresses();
                        String b = lab.h(2).addresses();
                        for (GroupLab.Group g : groups) {
                            if (a.contains(" " + g.vip() + "/") && b.contains(" " + g.vip() + "/")) {
                                both.compareAndSet(null, g.vip() + " on both hosts");
                            }
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "never-two");
            poller.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            poller.join(10_000);
        }
    }

    /** First to last "BACKUP -> MASTER" decision in the host's log at or after since, in ms. */
    private static long decisionSpreadMs(String log, Instant since, int expected) {
        Pattern p = Pattern.compile("^time=(\\S+) .*carp\\d+: BACKUP -> MASTER");
        List<Instant> seen = new ArrayList<>();
        for (String line : log.lines().toList()) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                Instant t = Instant.parse(m.group(1));
                if (!t.isBefore(since)) {
                    seen.add(t);
                }
            }
        }
        assertEquals(expected, seen.size(), "takeover decisions logged:\n" + log);
        return Duration.between(seen.stream().min(Instant::compareTo).orElseThrow(),
                seen.stream().max(Instant::compareTo).orElseThrow()).toMillis();
    }

    /** The cables host 1's carpdevs hang on: em0 (VLANs ride on it), or one per carpdev. */
    private static List<String> cables(List<GroupLab.Group> groups) {
        List<String> c = groups.stream().map(g -> g.carpdev().startsWith("em0") ? "em0" : g.carpdev())
                .distinct().toList();
        return c;
    }

    private void failsOverTogether(List<GroupLab.Group> groups) throws Exception {
        int n = groups.size();
        try (NeverTwo check = new NeverTwo(groups)) {
            Instant cut = Instant.now();
            GroupLab.cutAll(lab, lab.h(1), cables(groups));
            assertTrue(Lab.eventually(Duration.ofSeconds(15), () -> GroupLab.holders(lab.h(2), groups) == n),
                    "all " + n + " VIPs on the backup:\n" + lab.h(2).addresses() + lab.h(2).log());
            assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> GroupLab.holders(lab.h(1), groups) == 0),
                    lab.h(1).addresses());
            long spread = decisionSpreadMs(lab.h(2).log(), cut, n);
            System.out.println(n + " groups: takeover decisions spread over " + spread + " ms");
            assertTrue(spread < SPREAD_BOUND_MS, "spread " + spread + " ms; cut at " + cut + "\nbackup:\n"
                    + lab.h(2).log() + "\nold master:\n" + lab.h(1).log());

            // the old master heals as BACKUP of all; then the new master is killed: all come back
            GroupLab.plugAll(lab, lab.h(1), cables(groups));
            assertTrue(Lab.eventually(Duration.ofSeconds(15), () -> GroupLab.backups(lab.h(1), groups) == n),
                    lab.h(1).carpconfig("-a").out());
            GroupLab.steady();
            Instant kill = Instant.now();
            lab.h(2).signal("KILL");
            assertTrue(Lab.eventually(Duration.ofSeconds(15), () -> GroupLab.holders(lab.h(1), groups) == n),
                    "all " + n + " VIPs back on host 1 after kill -9:\n" + lab.h(1).addresses() + lab.h(1).log());
            assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> GroupLab.holders(lab.h(2), groups) == 0),
                    "the killed carpd's guard removed its addresses:\n" + lab.h(2).addresses());
            long back = decisionSpreadMs(lab.h(1).log(), kill, n);
            System.out.println(n + " groups after kill -9: takeover decisions spread over " + back + " ms");
            assertTrue(back < SPREAD_BOUND_MS, "spread " + back + " ms; kill at " + kill + "\n" + lab.h(1).log());
            check.close();
            assertNull(check.both.get(), "a VIP was held by both hosts");
        }
    }

    @Test
    void sixtyFourVhidsOnOneCarpdevFailOverTogether() throws Exception {
        lab = Lab.create(2, false);
        List<GroupLab.Group> groups = GroupLab.onEm0(64);
        GroupLab.start(lab, groups);
        failsOverTogether(groups);
    }

    /** 16 VLAN carpdevs em0.N; on a kernel without VLANs, 16 carpdevs on their own switch ports. */
    @Test
    void sixteenCarpdevsOneGroupEachFailOverTogether() throws Exception {
        lab = Lab.create(2, false);
        boolean vlans = GroupLab.vlansSupported(lab);
        System.out.println("16 carpdevs: " + (vlans ? "VLANs em0.10..em0.25" : "no VLANs in this kernel: ports v1..v16"));
        List<GroupLab.Group> groups = vlans ? GroupLab.onVlans(lab, 2, 16) : GroupLab.onPorts(lab, 2, 16);
        GroupLab.start(lab, groups);
        failsOverTogether(groups);
    }
}
