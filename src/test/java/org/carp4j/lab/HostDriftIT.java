package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The display never lies: an admin (or a script) removes carp0 or its VIP from the MASTER behind
 * carpd's back. carpd notices, says why in its log, and puts it back; at no moment do both hosts
 * hold the VIP.
 */
@Timeout(120)
class HostDriftIT extends LabTest {
    static final String VIP = "172.16.0.100";

    /** h1 MASTER (advskew 0), h2 BACKUP (advskew 100), h3 the client. */
    private void pair() throws Exception {
        lab = Lab.create(3, false);
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            assertTrue(lab.h(i).carpd().isAlive(), lab.h(i).log());
            assertEquals(0, lab.h(i).carpconfig("carp0", "create").exit());
            Lab.Result r = lab.h(i).carpconfig("carp0", "vhid", "1", "pass", "lanpasswd", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100", VIP, "255.255.255.0");
            assertEquals(0, r.exit(), r.err());
            if (i == 1) {
                assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP)), lab.h(1).log());
            }
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10),
                () -> lab.h(2).carpconfig("carp0").out().contains("carp: BACKUP")), lab.h(2).log());
    }

    /** Polls both hosts until stopped; remembers the first moment both held the VIP. */
    private final class NeverTwice implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicReference<String> both = new AtomicReference<>();
        final Thread poller = new Thread(() -> {
            while (running.get()) {
                try {
                    if (lab.h(1).holds(VIP) && lab.h(2).holds(VIP)) {
                        both.compareAndSet(null, lab.h(1).addresses() + "\n" + lab.h(2).addresses());
                    }
                } catch (Exception e) {
                    return;
                }
            }
        }, "never-twice");

        NeverTwice() {
            poller.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            poller.join(10_000);
        }
    }

    @Test
    void carp0DeletedOnTheMasterComesBackWithItsVipAndTheLogSaysWhy() throws Exception {
        pair();
        try (NeverTwice check = new NeverTwice()) {
            long del = System.nanoTime();
            lab.h(1).exec("ip", "link", "del", "carp0");
            assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(1).holds(VIP)
                            && lab.h(1).exec("ip", "link", "show", "carp0").contains("00:00:5e:00:01:01")),
                    lab.h(1).addresses() + lab.h(1).log());
            System.out.println("carp0 and its VIP back after ip link del: " + (System.nanoTime() - del) / 1_000_000 + " ms");
            assertTrue(lab.h(1).logged("event=host msg=\"carp0 vanished from the host; recreating\""),
                    lab.h(1).log());
            assertTrue(lab.h(1).carpconfig("carp0").out().contains("carp: MASTER"));
            assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(3).ping(VIP)), "the VIP answers again");
            Thread.sleep(4000); // longer than h2's master-down interval: h1's adverts kept it BACKUP
            check.close();
            assertEquals(null, check.both.get(), "both hosts held the VIP");
            assertFalse(lab.h(2).holds(VIP));
        }
    }

    @Test
    void theVipDeletedOnTheMasterIsPutBack() throws Exception {
        pair();
        try (NeverTwice check = new NeverTwice()) {
            long del = System.nanoTime();
            lab.h(1).exec("ip", "addr", "del", VIP + "/24", "dev", "carp0");
            // no check that it is gone: the rtnetlink event puts it back within milliseconds
            assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(1).holds(VIP)), lab.h(1).log());
            System.out.println("VIP back after ip addr del: " + (System.nanoTime() - del) / 1_000_000 + " ms");
            assertTrue(lab.h(1).logged(VIP + "/24 vanished from the host; re-adding"), lab.h(1).log());
            assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(3).ping(VIP)), "the VIP answers again");
            Thread.sleep(4000);
            check.close();
            assertEquals(null, check.both.get(), "both hosts held the VIP");
            assertFalse(lab.h(2).holds(VIP));
        }
    }
}
