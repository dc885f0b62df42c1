package org.carp4j.daemon;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * systemd's watchdog, fed from the event loop: a timer posts the ping into the loop, so the ping
 * only goes out while the loop runs. A stuck loop stops the pings, and systemd kills and restarts
 * carpd after WatchdogSec.
 */
final class Watchdog {
    private Watchdog() {
    }

    /** Starts the pings if systemd asked for them (WATCHDOG_USEC); false if it did not. */
    static boolean start(SystemdNotify systemd, ScheduledExecutorService timer, Consumer<Runnable> loop) {
        long every = systemd.watchdogIntervalMillis();
        if (every <= 0) {
            return false;
        }
        timer.scheduleAtFixedRate(() -> loop.accept(() -> systemd.send("WATCHDOG=1")), 0, every, TimeUnit.MILLISECONDS);
        return true;
    }
}
