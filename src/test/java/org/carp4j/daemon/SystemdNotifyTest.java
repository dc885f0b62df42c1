package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.carp4j.testing.NotifyReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify to a real datagram socket, as systemd binds it. */
class SystemdNotifyTest {
    @Test
    void sendsToAPathSocket(@TempDir Path dir) {
        try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
            SystemdNotify n = SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", systemd.address));
            assertTrue(n.send("READY=1"));
            assertEquals("READY=1", systemd.await());
        }
    }

    @Test
    void sendsToAnAbstractSocket() {
        try (NotifyReceiver systemd = NotifyReceiver.abstractName("carp4j-test-" + ProcessHandle.current().pid())) {
            SystemdNotify n = SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", systemd.address));
            assertTrue(n.send("WATCHDOG=1"));
            assertEquals("WATCHDOG=1", systemd.await());
        }
    }

    @Test
    void withoutNotifySocketNothingIsSent() {
        SystemdNotify n = SystemdNotify.fromEnvironment(Map.of("WATCHDOG_USEC", "5000000"));
        assertFalse(n.enabled());
        assertFalse(n.send("READY=1"));
        assertEquals(0, n.watchdogIntervalMillis());
    }

    @Test
    void theWatchdogIsPingedAtHalfItsTimeoutAndOnlyForItsOwnPid() {
        String me = Long.toString(ProcessHandle.current().pid());
        assertEquals(2500, SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "@x", "WATCHDOG_USEC", "5000000",
                "WATCHDOG_PID", me)).watchdogIntervalMillis());
        assertEquals(0, SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "@x", "WATCHDOG_USEC", "5000000",
                "WATCHDOG_PID", "1")).watchdogIntervalMillis(), "meant for another process");
    }
}
