package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.codec.DecodeException;
import org.carp4j.codec.FrameCodec;
import org.carp4j.config.StateFile;
import org.carp4j.control.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenBSD's `ifconfig -g carp carpdemote N` keeps the counter until it is lowered; carpd keeps it
 * across a restart as well: saved with the change, read back at start, advertised in the demote byte.
 */
@Timeout(60)
class DemoteRestartTest {

    private static Protocol.Response carpconfig(DaemonHarness h, String... args) {
        return new ControlGate(h.loop, h.daemon, h.host, h.worker)
                .serve(new Protocol.Request("t", "carpconfig", List.of(args)));
    }

    /** The demote byte of the first advert carp0 sends after the first `since` frames (GARPs skipped). */
    private static int advertisedDemote(DaemonHarness h, int since) throws Exception {
        DaemonHarness.await("an advert", () -> advertAfter(h, since) != null);
        return advertAfter(h, since).carp().demote();
    }

    private static AdvertFrame advertAfter(DaemonHarness h, int since) {
        List<byte[]> sent = List.copyOf(h.link.sent);
        for (byte[] f : sent.subList(since, sent.size())) {
            try {
                return FrameCodec.decode(f);
            } catch (DecodeException e) {
                // a gratuitous ARP
            }
        }
        return null;
    }

    @Test
    void theDemoteCounterAndItsAdvertisedByteSurviveARestartAndSoDoesItsReturnToZero(@TempDir Path dir)
            throws Exception {
        new StateFile(dir).save(DaemonHarness.CARP0);
        try (DaemonHarness before = DaemonHarness.restarted(dir)) {
            assertEquals(0, carpconfig(before, "-g", "carp", "carpdemote", "3").exit());
            assertEquals("carp: carp demote count 3\n", carpconfig(before, "-g", "carp").out());
        }
        assertEquals(3, new StateFile(dir).load().demote(), "saved");

        try (DaemonHarness after = DaemonHarness.restarted(dir)) {
            assertEquals("carp: carp demote count 3\n", carpconfig(after, "-g", "carp").out());
            assertEquals(3, after.onLoopGet(() -> after.daemon.doc().demote()));
            int sent = after.link.sent.size();
            after.master();
            assertEquals(3, advertisedDemote(after, sent), "the restored counter is in the demote byte");

            assertEquals(0, carpconfig(after, "-g", "carp", "-carpdemote", "3").exit());
            sent = after.link.sent.size();
            assertEquals(0, advertisedDemote(after, sent), "the next advert");
        }
        assertEquals(0, new StateFile(dir).load().demote(), "the return to 0 is saved too");

        try (DaemonHarness again = DaemonHarness.restarted(dir)) {
            assertEquals("carp: carp demote count 0\n", carpconfig(again, "-g", "carp").out());
            int sent = again.link.sent.size();
            again.master();
            assertEquals(0, advertisedDemote(again, sent));
        }
    }
}
