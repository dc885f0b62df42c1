package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.carp4j.testing.NotifyReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watchdog pings go out from the event loop: while the loop is stuck, systemd hears nothing. */
class WatchdogTest {
    private static final EventLoop.Timers IDLE = new EventLoop.Timers() {
        @Override
        public long nextDeadline() {
            return Long.MAX_VALUE;
        }

        @Override
        public void fire(long now) {
        }
    };

    @Test
    void aStuckLoopStopsThePings(@TempDir Path dir) throws Exception {
        EventLoop loop = new EventLoop(System::nanoTime, IDLE, new Log(System.err));
        loop.start();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
            SystemdNotify notify = SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", systemd.address,
                    "WATCHDOG_USEC", "100000")); // a ping every 50 ms
            assertTrue(Watchdog.start(notify, timer, loop::post));
            assertEquals("WATCHDOG=1", systemd.await());
            assertEquals("WATCHDOG=1", systemd.await());

            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch stuck = new CountDownLatch(1);
            loop.post(() -> {
                stuck.countDown();
                try {
                    release.await(); // a loop that never comes back, e.g. a hung ip
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            stuck.await();
            while (systemd.receive() != null) {
                // pings already sent before the loop got stuck
            }
            assertNull(systemd.receive(), "no ping for 200 ms, four intervals: systemd would restart carpd");

            release.countDown();
            assertEquals("WATCHDOG=1", systemd.await(), "the loop runs again, the pings resume");
        } finally {
            timer.shutdownNow();
            loop.stop();
        }
    }

    @Test
    void withoutAWatchdogNothingIsScheduled() {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            assertEquals(false, Watchdog.start(SystemdNotify.fromEnvironment(Map.of()), timer, Runnable::run));
        } finally {
            timer.shutdownNow();
        }
    }
}
