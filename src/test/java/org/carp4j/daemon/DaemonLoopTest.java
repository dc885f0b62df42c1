package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.carp4j.control.ControlClient;
import org.carp4j.control.Protocol;
import org.carp4j.election.CarpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The daemon's loop keeps its promises with a host that misbehaves: a hung `ip` delays only the
 * host change and what must follow it, never an advert; a carp interface deleted behind carpd's
 * back comes back with its address; a stop under a flood of captured frames still bows out.
 */
@Timeout(60)
class DaemonLoopTest {

    @Test
    void aHungAddressChangeStopsNeitherTimersNorAdvertsAndTheGarpWaitsForTheAddress() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            h.host.blockAdds(); // `ip addr replace` hangs
            h.master();
            int before = h.events().size();
            DaemonHarness.await("three adverts while the address change hangs",
                    () -> h.events().subList(before, h.events().size()).stream()
                            .filter(e -> e.equals("advert skew=0")).count() >= 3);
            assertEquals(-1, h.indexOf("garp"), "no gratuitous ARP for an address not yet on the host: " + h.events());
            assertEquals(-1, h.indexOf("added carp0"));
            assertEquals(CarpState.MASTER, h.state(), "the loop still answers requests");

            h.host.unblockAdds();
            DaemonHarness.await("the GARP, once the address is up", () -> h.indexOf("garp") >= 0);
            assertTrue(h.indexOf("added carp0 [" + DaemonHarness.VIP + "]") < h.indexOf("garp"), h.events().toString());
        }
    }

    /**
     * A command's fsync runs on the control thread, not the loop: while the save hangs (a slow
     * disk) the master keeps advertising, and once it is on disk the change is applied and answered.
     */
    @Test
    void aSlowSaveDelaysNoAdvertAndTheChangeFollowsIt() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            h.master();
            java.util.concurrent.CountDownLatch disk = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean saving = new java.util.concurrent.atomic.AtomicBoolean();
            h.daemon.saver = next -> {
                saving.set(true);
                try {
                    disk.await(); // the fsync that takes its time
                } catch (InterruptedException e) {
                    throw new java.io.IOException(e);
                }
                new org.carp4j.config.StateFile(h.dir).save(next);
            };
            ControlGate gate = new ControlGate(h.loop, h.daemon, h.host, h.worker);
            java.util.concurrent.CompletableFuture<Protocol.Response> answer = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> gate.serve(new Protocol.Request("t", "carpconfig", List.of("carp0", "advskew", "7"))));
            DaemonHarness.await("the save under way", saving::get);
            int before = h.events().size();
            DaemonHarness.await("two adverts while the save hangs",
                    () -> h.events().subList(before, h.events().size()).stream()
                            .filter(e -> e.equals("advert skew=0")).count() >= 2);
            assertFalse(answer.isDone(), "no answer before the change is on disk");
            assertEquals(0, h.onLoopGet(() -> h.daemon.doc().find("carp0").orElseThrow().advskew()),
                    "not applied before it is saved");

            disk.countDown();
            assertEquals(0, answer.get(10, java.util.concurrent.TimeUnit.SECONDS).exit());
            assertEquals(7, h.onLoopGet(() -> h.daemon.doc().find("carp0").orElseThrow().advskew()));
            DaemonHarness.await("adverts with the new skew", () -> h.events().contains("advert skew=7"));
            assertTrue(java.nio.file.Files.readString(h.dir.resolve("carpd.json")).contains("\"advskew\" : 7"));
        }
    }

    @Test
    void aCarpInterfaceDeletedBehindCarpdsBackIsShownInitThenRecreatedWithItsAddress() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            h.master();
            DaemonHarness.await("the VIP on carp0", () -> h.host.addresses.getOrDefault("carp0", java.util.Set.of())
                    .contains(DaemonHarness.VIP));
            h.host.blockCreates();
            h.host.deleteBehindCarpdsBack("carp0"); // ip link del carp0
            h.onLoop(h.daemon::pollCarriers);
            assertEquals(CarpState.INIT, h.state(), "carpconfig must not show MASTER for an interface that is gone");
            assertTrue(h.log().contains("carp0 vanished from the host; recreating"), h.log());

            h.host.unblockCreates();
            DaemonHarness.await("carp0 back, with the VIP", () -> h.host.addresses.getOrDefault("carp0", java.util.Set.of())
                    .contains(DaemonHarness.VIP));
            assertEquals(CarpState.MASTER, h.state());
            assertEquals(2, h.count("created carp0"));
            assertTrue(h.events().lastIndexOf("garp") > h.events().lastIndexOf("added carp0 [" + DaemonHarness.VIP + "]"),
                    "the VIP is announced again after it is back: " + h.events());
        }
    }

    @Test
    void anAddressDeletedBehindCarpdsBackIsPutBack() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            h.master();
            DaemonHarness.await("the VIP on carp0", () -> h.host.addresses.getOrDefault("carp0", java.util.Set.of())
                    .contains(DaemonHarness.VIP));
            h.host.addresses.get("carp0").remove(DaemonHarness.VIP); // ip addr del VIP dev carp0
            for (int i = 0; i < Daemon.ADDRESS_CHECK_EVERY; i++) {
                h.onLoop(h.daemon::pollCarriers);
            }
            DaemonHarness.await("the VIP back on carp0", () -> h.host.addresses.get("carp0").contains(DaemonHarness.VIP));
            assertTrue(h.log().contains("carp0: " + DaemonHarness.VIP + " vanished from the host; re-adding"), h.log());
        }
    }

    /**
     * The kernel refuses the VIP: neither the takeover's GARP nor the second one two adverts later
     * announces an address the host does not hold; once the retry adds it, it is announced.
     */
    @Test
    void anAddressTheKernelRefusesIsNeverAnnouncedUntilItIsUp() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            h.host.refuseAdds = "RTNETLINK answers: Cannot assign requested address";
            h.master();
            int before = h.events().size();
            DaemonHarness.await("four adverts after the refused add",
                    () -> h.events().subList(before, h.events().size()).stream()
                            .filter(e -> e.equals("advert skew=0")).count() >= 4);
            assertEquals(-1, h.indexOf("garp"), "nothing announced for an address not on the host: " + h.events());
            assertTrue(h.log().contains("cannot add addresses: RTNETLINK answers"), h.log());

            h.host.refuseAdds = null;
            for (int i = 0; i < Daemon.ADDRESS_CHECK_EVERY; i++) {
                h.onLoop(h.daemon::pollCarriers);
            }
            DaemonHarness.await("the GARP once the retry put the VIP up", () -> h.indexOf("garp") >= 0);
            assertTrue(h.indexOf("added carp0 [" + DaemonHarness.VIP + "]") < h.indexOf("garp"), h.events().toString());
        }
    }

    @Test
    void aHostBacklogThatOverflowsIsReplacedByTheLatestWantedState() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            h.host.blockAdds(); // the first `ip addr replace` hangs while the election flaps
            for (int i = 0; i < HostWorker.CAPACITY; i++) {
                h.master();
                h.onLoop(() -> h.daemon.force("carp0", CarpState.BACKUP));
            }
            h.master();
            assertTrue(h.log().contains("host queue full"), h.log());
            h.host.unblockAdds();
            assertTrue(h.worker.awaitIdle(10_000));
            assertEquals(java.util.Set.of(DaemonHarness.VIP), h.host.addresses.get("carp0"), "MASTER holds the VIP");
            assertTrue(h.events().lastIndexOf("garp") > h.events().lastIndexOf("added carp0 [" + DaemonHarness.VIP + "]"),
                    "announced after it was added: " + h.events());
            assertTrue(h.worker.dropped() > 0);
            assertTrue(h.onLoopGet(() -> h.daemon.metrics(h.loop)).contains("carpd_queue_overflow_total{queue=\"host\",kind=\"change\"} "
                    + h.worker.dropped()));
        }
    }

    @Test
    void anInterfaceCarpdDidNotMakeIsLeftAloneByTheResyncAndTheArpbalanceSwitch() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            h.host.foreign.add("carp1");
            h.onLoop(() -> h.daemon.commit(h.daemon.doc().with(new org.carp4j.config.VhostConfig("carp1", 2, "secret",
                    "em0", 1, 0, List.of(DaemonHarness.VIP), true))));
            DaemonHarness.await("carp1 found foreign", () -> h.log().contains("carp1: an interface of that name exists"));
            h.onLoop(() -> h.daemon.commit(h.daemon.doc().withSysctls(h.daemon.doc().sysctls().with("arpbalance", 1))));
            h.host.blockAdds(); // overflow the host queue: the resync must skip carp1 too
            for (int i = 0; i < HostWorker.CAPACITY; i++) {
                h.master();
                h.onLoop(() -> h.daemon.force("carp0", CarpState.BACKUP));
            }
            h.master();
            assertTrue(h.log().contains("host queue full"), h.log());
            h.host.unblockAdds();
            assertTrue(h.worker.awaitIdle(10_000));
            assertTrue(h.events().stream().noneMatch(e -> e.contains("carp1")), "carp1 untouched: " + h.events());
            assertEquals(CarpState.INIT, h.onLoopGet(() -> h.daemon.state("carp1")));
        }
    }

    @Test
    void aRequestMeetingAFullEventQueueIsAnsweredBusy() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            EventLoop full = new EventLoop(System::nanoTime, h.daemon, h.log, 1);
            full.offer(() -> { }); // never started: the one slot stays taken
            Protocol.Response r = new ControlGate(full, h.daemon, h.host, h.worker)
                    .serve(new Protocol.Request("t", "carpconfig", List.of("carp0")));
            assertEquals(ControlClient.BUSY, r.exit(), r.err());
        }
    }

    @Test
    void aGracefulStopUnderAFloodOfCapturedFramesStillBowsOut() throws Exception {
        DaemonHarness h = new DaemonHarness();
        h.master();
        DaemonHarness.await("the VIP on carp0", () -> h.host.addresses.getOrDefault("carp0", java.util.Set.of())
                .contains(DaemonHarness.VIP));
        AtomicBoolean flooding = new AtomicBoolean(true);
        byte[] junk = new byte[60];
        List<Thread> flood = List.of(new Thread(() -> {
            while (flooding.get()) {
                h.loop.offer(() -> h.daemon.frame("em0", junk));
            }
        }), new Thread(() -> {
            while (flooding.get()) {
                h.loop.offer(() -> h.daemon.frame("em0", junk));
            }
        }));
        flood.forEach(Thread::start);
        try {
            DaemonHarness.await("the event queue overflowing", () -> h.loop.dropped() > 0);
            int before = h.events().size();
            h.close();
            List<String> after = h.events().subList(before, h.events().size());
            assertTrue(after.contains("advert skew=255"), "the bow-out advert: " + after);
            assertTrue(after.contains("removed carp0 [" + DaemonHarness.VIP + "]"), after.toString());
            assertTrue(after.contains("destroyed carp0"), after.toString());
            assertTrue(h.log().contains("event queue full"), h.log());
        } finally {
            flooding.set(false);
            for (Thread t : flood) {
                t.join();
            }
        }
        assertFalse(h.host.links.contains("carp0"));
    }

    @Test
    void afterTheBowOutNothingStillQueuedCanMakeAMasterOrChangeTheHost() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            h.master();
            DaemonHarness.await("the VIP on carp0", () -> h.host.addresses.getOrDefault("carp0", java.util.Set.of())
                    .contains(DaemonHarness.VIP));
            h.onLoop(h.daemon::stop);
            int after = h.events().size();
            Protocol.Response r = h.onLoopGet(() -> h.daemon.handle(
                    new Protocol.Request("t", "carpconfig", List.of("carp0", "state", "master")), null, null));
            assertEquals(Carpd.EX_UNAVAILABLE, r.exit());
            assertEquals("carpd is stopping", r.err());
            h.onLoop(() -> h.daemon.fire(Long.MAX_VALUE - 1)); // every timer due
            h.onLoop(h.daemon::pollCarriers);
            assertEquals(Long.MAX_VALUE, h.daemon.nextDeadline());
            assertEquals(after, h.events().size(), "no host change after the stop: " + h.events());
        }
    }

    @Test
    void aReloadThatReadsBackAStagedChangeDoesNotApplyItTwice() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            Protocol.Request demote = new Protocol.Request("t", "carpconfig", List.of("-g", "carp", "carpdemote"));
            Daemon.Staged s = h.onLoopGet(() -> h.daemon.stage(demote, null, null));
            assertEquals(0, s.response().exit(), s.response().err());
            assertEquals(null, h.daemon.saveStaged(s));
            // SIGHUP between the save and the apply: the reload reads back exactly that file
            h.onLoop(() -> h.daemon.applyLoaded(new org.carp4j.config.StateFile(h.dir).load()));
            Protocol.Response done = h.onLoopGet(() -> h.daemon.finish(s));
            assertEquals(0, done.exit());
            assertEquals(1, h.onLoopGet(() -> h.daemon.doc().demote()), "demoted once, not twice");
            assertEquals(1, new org.carp4j.config.StateFile(h.dir).load().demote());
        }
    }
}
