package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Heavy loss on the LAN with carpd groups (h1 preferred, h2 backup) and ucarp groups (h3
 * preferred, h4 backup) side by side: the backups take over only when loss, not a dead master,
 * silences three adverts in a row, so the number of such spurious takeovers measures how each
 * implementation copes with loss.
 *
 * <p>Why 50 % for 60 s on {@value #GROUPS} groups each: a backup (advskew 200) declares the master
 * down 3 x 1 s + 200/256 s after the last advert it heard, that is when the 3 adverts after a
 * received one are all lost, probability (1 - p) p^3 = 1/16 per second at p = 1/2 (each copy of a
 * flooded frame is dropped on its own, so every backup sees independent loss). 60 s x 4 groups
 * expect about 15 takeovers per implementation (at 10 % loss it would be 0.05: "0 vs 0" says
 * nothing). A backup that gave up after two lost adverts would make 1/8 per second, after one 1/4.
 *
 * <p>If both implementations follow the protocol, carpd's share of all takeovers is Binomial(n, 1/2)
 * given their total n, so carpd is held to "not significantly more than ucarp": its count must not
 * lie in the upper 0.1 % tail of that binomial (for n = 30 that allows up to 22 against 8).
 */
class LossIT extends LabTest {
    static final int GROUPS = 4;
    static final int PERCENT = 50;
    static final int SECONDS = 60;

    static String carpdVip(int g) {
        return "172.16.0." + (100 + g);
    }

    static String ucarpVip(int g) {
        return "172.16.0." + (110 + g);
    }

    private static long takeovers(String log, String marker) {
        return log.lines().filter(l -> l.contains(marker)).count();
    }

    private long carpdTakeovers() throws Exception {
        return takeovers(lab.h(2).log(), "BACKUP -> MASTER");
    }

    private long ucarpTakeovers() throws Exception {
        return takeovers(lab.h(4).ucarpLog(), "Switching to state: MASTER");
    }

    /** P(X >= x) for X ~ Binomial(n, 1/2). */
    static double upperTail(long n, long x) {
        double term = Math.pow(0.5, n); // P(X = 0)
        double tail = 0;
        for (long k = 0; k <= n; k++) {
            if (k >= x) {
                tail += term;
            }
            term = term * (n - k) / (k + 1);
        }
        return tail;
    }

    /** Each holder of a VIP: exactly one per group, and the preferred host. */
    private boolean settled() throws Exception {
        for (int g = 1; g <= GROUPS; g++) {
            if (!lab.h(1).holds(carpdVip(g)) || lab.h(2).holds(carpdVip(g))
                    || !lab.h(3).holds(ucarpVip(g)) || lab.h(4).holds(ucarpVip(g))) {
                return false;
            }
        }
        return true;
    }

    @Test
    @Timeout(180)
    void fiftyPercentLossCarpdFlapsNoMoreThanUcarpAndBothSettle() throws Exception {
        lab = Lab.create(4, false);
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            for (int g = 1; g <= GROUPS; g++) {
                Lab.Result r = lab.h(i).carpconfig("carp" + (g - 1), "create", "vhid", Integer.toString(g), "pass", "pw",
                        "carpdev", "em0", "advskew", i == 1 ? "0" : "200", carpdVip(g) + "/24");
                assertEquals(0, r.exit(), r.err());
            }
        }
        for (int i = 3; i <= 4; i++) {
            for (int g = 1; g <= GROUPS; g++) {
                lab.h(i).startUcarp("em0", "-v", Integer.toString(10 + g), "-p", "pw", "-a", ucarpVip(g),
                        "-k", i == 3 ? "0" : "200");
            }
            if (i == 3) { // h3 first, so it is the master of every ucarp group
                assertTrue(Lab.eventually(Duration.ofSeconds(15), () -> IntStream.rangeClosed(1, GROUPS)
                        .allMatch(g -> holdsQuietly(lab.h(3), ucarpVip(g)))), lab.h(3).ucarpLog());
            }
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(15), this::settled), lab.h(1).log() + lab.h(3).ucarpLog());
        long carpdBefore = carpdTakeovers();
        long ucarpBefore = ucarpTakeovers();

        lab.lossPercent(PERCENT);
        Thread.sleep(SECONDS * 1000L);
        long dropped = lab.lossDrops();
        lab.noLoss();
        long carpd = carpdTakeovers() - carpdBefore;
        long ucarp = ucarpTakeovers() - ucarpBefore;
        double expected = SECONDS * GROUPS * (1 - PERCENT / 100.0) * Math.pow(PERCENT / 100.0, 3);
        double p = upperTail(carpd + ucarp, carpd);
        System.out.printf("%d %% loss for %d s on %d groups each (%d frames dropped): spurious takeovers carpd %d,"
                + " ucarp %d (the protocol expects about %.0f each); P(carpd >= %d | equal rates) = %.4f%n",
                PERCENT, SECONDS, GROUPS, dropped, carpd, ucarp, expected, carpd, p);

        // 8 masters' adverts/s each reach 3 other ports: 50 % drops ~720 copies in 60 s (more with ARP)
        assertTrue(dropped > 300, "the loss was real: " + dropped + " frames dropped");
        // Poisson(15): fewer than 3 has probability 4e-5; so few would mean the loss missed the adverts
        assertTrue(ucarp >= 3, "the loss made ucarp's backups take over (else it proves nothing): " + ucarp);
        assertTrue(p > 0.001, "carpd took over " + carpd + " times against ucarp's " + ucarp
                + ": more than equal rates explain (p = " + p + ")");

        assertTrue(Lab.eventually(Duration.ofSeconds(15), this::settled),
                "once the loss stops, every VIP has exactly one holder, the preferred host:\n"
                        + lab.h(1).addresses() + lab.h(2).addresses() + lab.h(3).addresses() + lab.h(4).addresses());
    }

    private static boolean holdsQuietly(Lab.Host h, String address) {
        try {
            return h.holds(address);
        } catch (Exception e) {
            return false;
        }
    }
}
