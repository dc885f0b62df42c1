package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Heavy loss on the LAN with carpd groups (h1 preferred, h2 backup) and ucarp groups (h3
 * preferred, h4 backup) side by side: the backups take over only when loss, not a dead master,
 * silences the master's adverts for a whole master-down interval, so the number of such spurious
 * takeovers measures how each implementation copes with loss.
 *
 * <p>Why 50 % for 60 s on {@value #GROUPS} groups each. The backups have advskew {@value #SKEW}; a
 * backup declares the master down when the n adverts after the last one it heard are all lost,
 * probability (1 - p) p^n per second (each copy of a flooded frame is dropped on its own, so every
 * backup sees independent loss). ucarp (and FreeBSD) wait 3 x advbase + advskew/256 = 3.78 s: n = 3,
 * 1/16 per second at p = 1/2, about 15 in 60 s x 4 groups (at 10 % loss it would be 0.05: "0 vs 0"
 * says nothing). carpd waits 3 x (advbase + advskew/256) = 5.34 s, as current OpenBSD does: n = 5,
 * 1/64 per second, about 4. A carpd that gave up after two lost adverts would make 30, after one 60.
 *
 * <p>Two checks, each failing by chance with probability under 0.1 %: carpd is not significantly
 * worse than ucarp (given their total n, equal rates would make carpd's count Binomial(n, 1/2); its
 * count must not lie in the upper 0.1 % tail), and carpd's count fits its own timer (not in the
 * upper 0.1 % tail of Poisson(4)). And ucarp must flap at all, or the loss proved nothing.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // about 2 minutes of lossy running side by side; the lab default is 5
class LossIT extends LabTest {
    static final int GROUPS = 4;
    static final int PERCENT = 50;
    static final int SECONDS = 60;
    static final int SKEW = 200;

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

    /** P(X >= x) for X ~ Poisson(mean). */
    static double poissonUpperTail(double mean, long x) {
        double term = Math.exp(-mean);
        double below = 0;
        for (long k = 0; k < x; k++) {
            below += term;
            term = term * mean / (k + 1);
        }
        return Math.max(0, 1 - below);
    }

    /** Expected spurious takeovers when a backup needs n adverts in a row lost. */
    static double expected(int lostInARow) {
        double p = PERCENT / 100.0;
        return SECONDS * GROUPS * (1 - p) * Math.pow(p, lostInARow);
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
                        "carpdev", "em0", "advskew", i == 1 ? "0" : Integer.toString(SKEW), carpdVip(g) + "/24");
                assertEquals(0, r.exit(), r.err());
            }
        }
        for (int i = 3; i <= 4; i++) {
            for (int g = 1; g <= GROUPS; g++) {
                lab.h(i).startUcarp("em0", "-v", Integer.toString(10 + g), "-p", "pw", "-a", ucarpVip(g),
                        "-k", i == 3 ? "0" : Integer.toString(SKEW));
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
        // adverts every 1 s; the whole ones inside each master-down interval must all be lost
        int carpdRow = (int) Math.floor(3 * (1 + SKEW / 256.0));
        int ucarpRow = (int) Math.floor(3 + SKEW / 256.0);
        double p = upperTail(carpd + ucarp, carpd);
        double own = poissonUpperTail(expected(carpdRow), carpd);
        System.out.printf("%d %% loss for %d s on %d groups each (%d frames dropped): spurious takeovers carpd %d"
                + " (its timer expects %.1f), ucarp %d (expects %.1f); P(carpd >= %d | equal rates) = %.4f,"
                + " P(carpd >= %d | its timer) = %.4f%n", PERCENT, SECONDS, GROUPS, dropped, carpd,
                expected(carpdRow), ucarp, expected(ucarpRow), carpd, p, carpd, own);

        // 8 masters' adverts/s each reach 3 other ports: 50 % drops ~720 copies in 60 s (more with ARP)
        assertTrue(dropped > 300, "the loss was real: " + dropped + " frames dropped");
        // Poisson(15): fewer than 3 has probability 4e-5; so few would mean the loss missed the adverts
        assertTrue(ucarp >= 3, "the loss made ucarp's backups take over (else it proves nothing): " + ucarp);
        assertTrue(p > 0.001, "carpd took over " + carpd + " times against ucarp's " + ucarp
                + ": more than equal rates explain (p = " + p + ")");
        assertTrue(own > 0.001, "carpd took over " + carpd + " times, its master-down timer explains about "
                + expected(carpdRow) + " (p = " + own + ")");

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
