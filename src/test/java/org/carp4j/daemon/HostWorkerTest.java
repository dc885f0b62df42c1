package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HostWorkerTest {
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final Log log = new Log(new PrintStream(logged, true, StandardCharsets.UTF_8));

    @Test
    void jobsRunInOrderAndAFailingJobDoesNotStopTheOnesBehindIt() throws Exception {
        List<String> ran = FakeHost.eventLog();
        HostWorker w = new HostWorker(log);
        w.submit("one", () -> ran.add("one"));
        w.submit("broken", () -> {
            throw new java.io.IOException("ip: Cannot find device");
        });
        w.submit("error", () -> {
            throw new AssertionError("a bug");
        });
        w.submit("two", () -> ran.add("two"));
        assertTrue(w.awaitIdle(5_000));
        assertEquals(List.of("one", "two"), ran);
        String l = logged.toString(StandardCharsets.UTF_8);
        assertTrue(l.contains("broken: ip: Cannot find device") && l.contains("a bug"), l);
        w.close();
    }

    @Test
    void anOverflowReplacesTheStaleBacklogWithOneResyncToTheCurrentState() throws Exception {
        List<String> ran = FakeHost.eventLog();
        CountDownLatch hung = new CountDownLatch(1);
        HostWorker w = new HostWorker(log, 2);
        HostQueue q = new HostQueue(w, log);
        String[] wanted = {"none"};
        q.resyncWith(() -> {
            String now = wanted[0];
            return () -> ran.add("resync to " + now);
        });
        q.submit("hung ip", hung::await);
        DaemonHarness.await("the hung job running", () -> w.backlog() == 0 && !w.idle());
        for (String s : List.of("take", "release", "take again")) {
            wanted[0] = s;
            q.submit(s, () -> ran.add(s));
        }
        assertEquals(1, q.overflows());
        assertEquals(2, w.dropped(), "take and release were stale");
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("host queue full"));
        hung.countDown();
        assertTrue(w.awaitIdle(5_000));
        assertEquals(List.of("resync to take again"), ran);
        assertFalse(ran.contains("take"));
        w.close();
    }

    @Test
    void aLongHangIsLoggedOnceAndItsEndOnce() throws Exception {
        CountDownLatch hung = new CountDownLatch(1);
        HostWorker w = new HostWorker(log, 2);
        HostQueue q = new HostQueue(w, log);
        q.resyncWith(() -> () -> { });
        q.submit("hung ip", hung::await);
        DaemonHarness.await("the hung job running", () -> w.backlog() == 0 && !w.idle());
        for (int i = 0; i < 30; i++) {
            q.submit("change " + i, () -> { });
        }
        String l = logged.toString(StandardCharsets.UTF_8);
        assertTrue(q.overflows() > 5, "overflowed again and again: " + q.overflows());
        assertEquals(1, l.split("host queue full", -1).length - 1, l);
        hung.countDown();
        assertTrue(w.awaitIdle(5_000));
        q.submit("after", () -> { });
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("host queue drained after " + q.overflows() + " overflow(s)"),
                logged.toString(StandardCharsets.UTF_8));
        w.close();
    }
}
