package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.carp4j.config.VipAddress;
import org.carp4j.election.Carpdev;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What carpd knows of its carpdev follows the host's last change, even when the change lands
 * while a read of the carpdev is already under way.
 */
class CarpdevFactsTest {
    private final FakeHost host = new FakeHost(FakeHost.eventLog());
    private final Log log = new Log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    private final HostWorker worker = new HostWorker(log);
    private final ExecutorService loop = Executors.newSingleThreadExecutor();
    private final List<Carpdev> told = new CopyOnWriteArrayList<>();
    private final CarpdevFacts facts = new CarpdevFacts(host, new HostQueue(worker, log), log);

    CarpdevFactsTest() {
        facts.attach(loop::execute, told::addAll);
    }

    @AfterEach
    void close() {
        worker.close();
        loop.shutdownNow();
    }

    private void onLoop(Runnable r) throws Exception {
        loop.submit(r).get(5, TimeUnit.SECONDS);
    }

    private List<VipAddress> known() throws Exception {
        return loop.submit(() -> facts.get("em0").map(Carpdev::addresses).orElse(List.of())).get(5, TimeUnit.SECONDS);
    }

    private void readsAgain(Set<String> names) throws Exception {
        if (names == null) {
            onLoop(() -> facts.linkChanged("em0"));
        } else {
            onLoop(() -> facts.refresh(names));
        }
    }

    /** ip addr del 172.16.0.1/24 dev em0; ip addr add 172.16.0.7/24 dev em0 — the read lands between. */
    private void addressChangedDuringARead(Set<String> how) throws Exception {
        onLoop(() -> facts.refresh("em0"));
        DaemonHarness.await("em0 read", () -> !told.isEmpty());

        host.readsAnswer = new CountDownLatch(1);
        host.em0 = List.of();                           // ip addr del
        readsAgain(how);                                // its event: a read starts and sees no address
        DaemonHarness.await("the read under way", () -> !worker.idle());
        host.em0 = List.of(VipAddress.parse("172.16.0.7/24")); // ip addr add
        readsAgain(how);                                // its event, while that read is still out
        host.readsAnswer.countDown();

        DaemonHarness.await("em0 known with its new address",
                () -> call(this::known).equals(List.of(VipAddress.parse("172.16.0.7/24"))));
    }

    private static <T> T call(java.util.concurrent.Callable<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anAddressChangedWhileItsCarpdevIsBeingReadIsReadAgain() throws Exception {
        addressChangedDuringARead(null);
        assertEquals(List.of(VipAddress.parse("172.16.0.7/24")), told.get(told.size() - 1).addresses());
    }

    @Test
    void soIsOneChangedWhileAllCarpdevsAreBeingRead() throws Exception {
        host.links.add("em1");
        addressChangedDuringARead(new java.util.LinkedHashSet<>(List.of("em0", "em1"))); // em0 read first
    }

    @Test
    void aReadAskedForOnceIsReadOnce() throws Exception {
        onLoop(() -> facts.refresh("em0"));
        DaemonHarness.await("em0 read", () -> !told.isEmpty());
        Thread.sleep(200);
        assertEquals(1, told.size(), "no second read when nothing asked for one");
    }

    @Test
    void aReadThatThrowsIsNotPendingForGood() throws Exception {
        host.readFails = new IllegalStateException("an unexpected answer");
        onLoop(() -> facts.refresh("em0"));
        DaemonHarness.await("the failed read done", () -> call(() -> loop.submit(() -> !facts.pending("em0")).get()));
        onLoop(() -> facts.refresh("em0"));
        DaemonHarness.await("em0 read the next time", () -> !told.isEmpty());
    }
}
