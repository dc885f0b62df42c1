package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.carp4j.election.CarpState;
import org.carp4j.host.InterfaceEvents;
import org.junit.jupiter.api.Test;

/** The kernel's news (rtnetlink events) acts at once, with no poll in between. */
class DaemonEventsTest {
    private static void masterWithVip(DaemonHarness h) throws Exception {
        h.master();
        DaemonHarness.await("the VIP on carp0", () -> h.host.addresses.getOrDefault("carp0", Set.of())
                .contains(DaemonHarness.VIP));
    }

    @Test
    void aVipRemovedEventPutsItBack() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            masterWithVip(h);
            h.host.addresses.get("carp0").remove(DaemonHarness.VIP); // ip addr del VIP dev carp0
            h.onLoop(() -> h.daemon.interfaceChanged("carp0", InterfaceEvents.Kind.ADDRESS_REMOVED));
            DaemonHarness.await("the VIP back on carp0", () -> h.host.addresses.get("carp0").contains(DaemonHarness.VIP));
            assertTrue(h.log().contains("carp0: " + DaemonHarness.VIP + " vanished from the host; re-adding"), h.log());
        }
    }

    @Test
    void aCarpInterfaceRemovedEventShowsInitThenRecreatesIt() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            masterWithVip(h);
            h.host.blockCreates();
            h.host.deleteBehindCarpdsBack("carp0"); // ip link del carp0
            h.onLoop(() -> h.daemon.interfaceChanged("carp0", InterfaceEvents.Kind.LINK_REMOVED));
            assertEquals(CarpState.INIT, h.state(), "never shown MASTER while it is gone");
            h.host.unblockCreates();
            DaemonHarness.await("carp0 back, with the VIP", () -> h.host.addresses.getOrDefault("carp0", Set.of())
                    .contains(DaemonHarness.VIP));
            assertEquals(CarpState.MASTER, h.state());
        }
    }

    @Test
    void carrierLossOnTheCarpdevCountsInTheSameLoopStepAsItsEvent() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            masterWithVip(h);
            CountDownLatch stuck = new CountDownLatch(1);
            h.worker.submit("a slow ip", stuck::await); // the full read of em0 waits behind it
            h.host.noCarrier.add("em0");
            h.onLoop(() -> h.daemon.interfaceChanged("em0", InterfaceEvents.Kind.LINK));
            assertEquals(CarpState.INIT, h.state(), "a carpdev without carrier puts carp0 in INIT at once");
            assertTrue(h.log().contains("em0: link down"), h.log());
            stuck.countDown();
        }
    }

    @Test
    void lostNewsLooksAtEverythingAgain() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            masterWithVip(h);
            h.host.addresses.get("carp0").remove(DaemonHarness.VIP);
            h.onLoop(() -> h.daemon.interfaceChanged(null, null)); // ENOBUFS: the kernel dropped news
            DaemonHarness.await("the VIP back on carp0", () -> h.host.addresses.get("carp0").contains(DaemonHarness.VIP));
        }
    }
}
