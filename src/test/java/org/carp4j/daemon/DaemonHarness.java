package org.carp4j.daemon;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.carp4j.config.Disk;
import org.carp4j.config.StateDocument;
import org.carp4j.config.StateFile;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.CarpState;

/**
 * A real Daemon on a real EventLoop and HostWorker, with the host and the wire faked: carp0,
 * vhid 1 on em0, VIP 10.0.0.100/24, as carpd runs it.
 */
final class DaemonHarness implements AutoCloseable {
    static final VipAddress VIP = VipAddress.parse("10.0.0.100/24");

    final List<String> events = FakeHost.eventLog();
    final FakeHost host = new FakeHost(events);
    final FakeLink link = new FakeLink(events);
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log(new PrintStream(logged, true, StandardCharsets.UTF_8));
    final HostWorker worker = new HostWorker(log);
    static final StateDocument CARP0 = StateDocument.EMPTY.with(new VhostConfig("carp0", 1, "secret", "em0", 1, 0,
            List.of(VIP), true));

    final Path dir;
    /** Whether close deletes dir: not when the test owns it (to start carpd again on it). */
    private final boolean ownsDir;
    final Daemon daemon;
    final EventLoop loop;

    DaemonHarness() throws Exception {
        this(Files.createTempDirectory("carpd-test"), Disk.REAL, CARP0, true);
    }

    /** carpd started as Carpd starts it: it runs what the state file in dir holds. The test owns dir. */
    static DaemonHarness restarted(Path dir) throws Exception {
        return new DaemonHarness(dir, Disk.REAL, new StateFile(dir).load(), false);
    }

    /** carp0 as usual, saving to dir through disk (a recording one). The test owns dir. */
    static DaemonHarness savingThrough(Path dir, Disk disk) throws Exception {
        return new DaemonHarness(dir, disk, CARP0, false);
    }

    private DaemonHarness(Path dir, Disk disk, StateDocument doc, boolean ownsDir) throws Exception {
        this.dir = dir;
        this.ownsDir = ownsDir;
        daemon = new Daemon(new StateFile(dir, disk), doc, host, (dev, rx) -> link, log, System::nanoTime, worker);
        loop = new EventLoop(System::nanoTime, daemon, log);
        daemon.attach(loop::offer, loop::post);
        loop.start();
        onLoop(() -> daemon.start());
        await("carp0 BACKUP on the host", () -> state() == CarpState.BACKUP);
    }

    CarpState state() {
        try {
            return loop.call(() -> daemon.state("carp0"), 5_000);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void master() throws Exception {
        onLoop(() -> daemon.force("carp0", CarpState.MASTER));
    }

    interface LoopTask {
        void run() throws Exception;
    }

    void onLoop(LoopTask t) throws Exception {
        loop.call(() -> {
            t.run();
            return null;
        }, 5_000);
    }

    <T> T onLoopGet(java.util.concurrent.Callable<T> c) throws Exception {
        return loop.call(c, 5_000);
    }

    String log() {
        return logged.toString(StandardCharsets.UTF_8);
    }

    List<String> events() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    long count(String event) {
        return events().stream().filter(e -> e.equals(event)).count();
    }

    int indexOf(String prefix) {
        List<String> e = events();
        for (int i = 0; i < e.size(); i++) {
            if (e.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    static void await(String what, BooleanSupplier ok) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() throws Exception {
        host.unblockAdds();
        host.unblockCreates();
        try {
            loop.callFirst(() -> {
                daemon.stop();
                return null;
            }, 20_000);
        } finally {
            loop.stop();
            if (ownsDir) {
                try (var s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
