package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EventLoopTest {
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final Log log = new Log(new PrintStream(logged, true, StandardCharsets.UTF_8));

    /** A timer every 10 ms that counts its firings; it can be told to throw once. */
    private static final class Ticker implements EventLoop.Timers {
        final AtomicInteger fired = new AtomicInteger();
        final AtomicLong due = new AtomicLong(System.nanoTime());
        volatile Error throwOnce;

        @Override
        public long nextDeadline() {
            return due.get();
        }

        @Override
        public void fire(long now) {
            due.set(now + TimeUnit.MILLISECONDS.toNanos(10));
            fired.incrementAndGet();
            Error e = throwOnce;
            if (e != null) {
                throwOnce = null;
                throw e;
            }
        }
    }

    @Test
    void anErrorInATaskOrATimerDoesNotStopTheLoop() throws Exception {
        Ticker t = new Ticker();
        EventLoop loop = new EventLoop(System::nanoTime, t, log);
        loop.start();
        try {
            loop.post(() -> {
                throw new StackOverflowError();
            });
            loop.post(() -> {
                throw new AssertionError("a bug");
            });
            t.throwOnce = new LinkageError("a broken class");
            CountDownLatch ran = new CountDownLatch(1);
            loop.post(ran::countDown);
            assertTrue(ran.await(5, TimeUnit.SECONDS), "the task after the errors ran");
            int fired = t.fired.get();
            DaemonHarness.await("timers still firing", () -> t.fired.get() > fired + 5);
            assertEquals("ok", loop.call(() -> "ok", 5_000));
            String l = logged.toString(StandardCharsets.UTF_8);
            assertTrue(l.contains("StackOverflowError") && l.contains("a bug") && l.contains("a broken class"), l);
        } finally {
            loop.stop();
        }
    }

    @Test
    void aFullQueueDropsFramesAndRefusesRequestsButTakesCarpdsOwnWorkAndTheStop() throws Exception {
        EventLoop loop = new EventLoop(System::nanoTime, new Ticker(), log, 8);
        AtomicInteger frames = new AtomicInteger();
        for (int i = 0; i < 20; i++) {
            loop.offer(frames::incrementAndGet); // not started yet: nothing drains the queue
        }
        assertEquals(12, loop.dropped());
        assertThrows(RejectedExecutionException.class, () -> loop.call(() -> "request", 1_000));
        assertEquals(1, loop.refused());
        AtomicInteger own = new AtomicInteger();
        loop.post(own::incrementAndGet);
        String l = logged.toString(StandardCharsets.UTF_8);
        assertEquals(1, l.split("event queue full", -1).length - 1, "logged once per burst: " + l);

        loop.start();
        try {
            assertEquals("stop", loop.callFirst(() -> "stop " + frames.get(), 5_000).substring(0, 4));
            DaemonHarness.await("the queue drained", () -> frames.get() == 8 && own.get() == 1);
            assertEquals("again", loop.call(() -> "again", 5_000));
            DaemonHarness.await("the drain logged", () -> logged.toString(StandardCharsets.UTF_8).contains("event queue drained"));
        } finally {
            loop.stop();
        }
    }

    /** A started loop with one timer 50 ms away that records itself once, and a first task that holds the loop until busy opens. */
    private final class Busy {
        final java.util.List<String> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        final CountDownLatch busy = new CountDownLatch(1);
        final EventLoop loop;

        Busy(String timer) {
            AtomicLong due = new AtomicLong(deadline);
            loop = new EventLoop(System::nanoTime, new EventLoop.Timers() {
                @Override
                public long nextDeadline() {
                    return due.get();
                }

                @Override
                public void fire(long now) {
                    order.add(timer);
                    due.set(Long.MAX_VALUE);
                }
            }, log);
            loop.start();
            loop.post(() -> {
                try {
                    busy.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    /**
     * A master-down timer falls due while the loop is busy (a pause of tens of ms, a whole
     * master-down at advbase 0) and an advert was captured before the deadline: the advert runs
     * first, so it can reset the timer; a frame captured after the deadline waits its turn.
     */
    @Test
    void aFrameCapturedBeforeADueTimerRunsFirst() throws Exception {
        Busy b = new Busy("master-down");
        try {
            b.loop.offer(() -> b.order.add("advert"));
            DaemonHarness.await("past the deadline", () -> System.nanoTime() > b.deadline);
            b.loop.offer(() -> b.order.add("late frame"));
            b.busy.countDown();
            DaemonHarness.await("all three", () -> b.order.size() == 3);
            assertEquals(java.util.List.of("advert", "master-down", "late frame"), b.order);
        } finally {
            b.loop.stop();
        }
    }

    /** The same with carpd's own work (a host result) queued in front of the advert: neither waits behind the timer. */
    @Test
    void aFrameBehindAHostResultQueuedBeforeADueTimerStillRunsFirst() throws Exception {
        Busy b = new Busy("master-down");
        try {
            b.loop.post(() -> b.order.add("address added"));
            b.loop.offer(() -> b.order.add("advert"));
            DaemonHarness.await("past the deadline", () -> System.nanoTime() > b.deadline);
            b.busy.countDown();
            DaemonHarness.await("all three", () -> b.order.size() == 3);
            assertEquals(java.util.List.of("address added", "advert", "master-down"), b.order);
        } finally {
            b.loop.stop();
        }
    }

    /** What runs ahead of a due timer may be a burst of control requests: it gets about 2 ms, not 64 tasks. */
    @Test
    void aBurstOfSlowRequestsQueuedBeforeADueTimerDelaysItOnlyBriefly() throws Exception {
        Busy b = new Busy("advert");
        try {
            for (int i = 0; i < 20; i++) {
                b.loop.post(() -> {
                    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
                    while (System.nanoTime() < end) {
                        Thread.onSpinWait(); // a display that takes a millisecond
                    }
                    b.order.add("display");
                });
            }
            DaemonHarness.await("past the deadline", () -> System.nanoTime() > b.deadline);
            b.busy.countDown();
            DaemonHarness.await("all of them", () -> b.order.size() == 21);
            int advert = b.order.indexOf("advert");
            assertTrue(advert >= 1 && advert <= 4, "the advert waited for " + advert + " displays: " + b.order);
        } finally {
            b.loop.stop();
        }
    }

    @Test
    void theStopRunsAheadOfEverythingQueued() throws Exception {
        EventLoop loop = new EventLoop(System::nanoTime, new Ticker(), log, 8);
        AtomicInteger frames = new AtomicInteger();
        for (int i = 0; i < 8; i++) {
            loop.offer(frames::incrementAndGet);
        }
        AtomicInteger seenByStop = new AtomicInteger(-1);
        Thread stopper = new Thread(() -> {
            try {
                loop.callFirst(() -> {
                    seenByStop.set(frames.get());
                    return null;
                }, 5_000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        stopper.start();
        DaemonHarness.await("the stop queued", () -> stopper.getState() == Thread.State.TIMED_WAITING);
        loop.start();
        stopper.join();
        loop.stop();
        assertEquals(0, seenByStop.get(), "the stop ran before the 8 queued frames");
    }

    @Test
    void aRequestAfterTheStopIsRefusedAtOnceNotAfterItsTimeout() throws Exception {
        EventLoop loop = new EventLoop(System::nanoTime, new Ticker(), log);
        loop.start();
        loop.stop();
        long start = System.nanoTime();
        assertThrows(RejectedExecutionException.class, () -> loop.call(() -> 1, 30_000));
        assertThrows(RejectedExecutionException.class, () -> loop.callFirst(() -> 1, 30_000));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "refused without waiting for 30 s");
    }

    @Test
    void aRequestQueuedBehindTheStopIsCancelledWhenTheLoopEnds() throws Exception {
        EventLoop loop = new EventLoop(System::nanoTime, new Ticker(), log);
        loop.start();
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.post(() -> {
            busy.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(busy.await(5, TimeUnit.SECONDS));
        var waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return loop.call(() -> "ran", 30_000);
            } catch (Exception e) {
                return e.getClass().getSimpleName();
            }
        });
        while (loop.queued() == 0) {
            Thread.onSpinWait(); // the request is in the queue, behind the busy task
        }
        Thread stopper = new Thread(() -> {
            try {
                loop.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stopper.start();
        while (loop.queued() < 2) {
            Thread.onSpinWait(); // and the stop's wake-up in front of it
        }
        release.countDown();
        stopper.join(10_000);
        assertEquals("RejectedExecutionException", waiting.get(10, TimeUnit.SECONDS),
                "the caller learns at once that its request will never run");
    }
}
