package org.carp4j.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import org.carp4j.codec.DropReason;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A flood's common drops (forged adverts for our own vhid, replays of a captured advert, adverts
 * for vhids we do not run) allocate nothing: counted with the JVM's per-thread allocation counter,
 * in the buffer the capture reuses (a frame followed by stale bytes of a longer one).
 */
class ReceivePathAllocationTest {
    private static final long S = Interval.SECOND;
    private static final int FRAMES = 50_000;
    private CarpEngine engine;

    @BeforeEach
    void backupOnEm0WithReplayProtectionAndLogging() {
        engine = new CarpEngine(new Random(1));
        engine.carpdev(new Carpdev("em0", MacAddress.parse("02:00:00:00:00:01"),
                List.of(VipAddress.parse("172.16.0.1/24")), true), 0);
        VhostConfig carp0 = new VhostConfig("carp0", 1, "lanpasswd", "em0", 1, 100,
                List.of(VipAddress.parse("172.16.0.100/24")), true);
        engine.apply(List.of(carp0), new Sysctls(1, 0, 2, 0, 1, 0), 0, 0);
    }

    @Test
    void forgedAdvertsForOurVhidAllocateNothing() {
        byte[] forged = Forge.advert(1, "attacker", "172.16.0.100", "172.16.0.33", 1, 0, 0, 7);
        assertEquals(0, bytesPerFrame(forged, DropReason.BAD_AUTH));
    }

    @Test
    void replaysOfACapturedAdvertAllocateNothing() {
        long t = S;
        for (long c = 100; c < 104; c++) { // the peer is seen counting: the guard is established
            engine.receive("em0", Forge.advert(1, "lanpasswd", "172.16.0.100", "172.16.0.2", 1, 0, 0, c), t += S);
        }
        byte[] replayed = Forge.advert(1, "lanpasswd", "172.16.0.100", "172.16.0.2", 1, 0, 0, 101);
        assertEquals(0, bytesPerFrame(replayed, DropReason.REPLAY));
    }

    @Test
    void advertsForOtherVhidsAllocateNothing() {
        byte[] other = Forge.advert(9, "pw", "172.16.0.109", "172.16.0.33", 1, 0, 0, 7);
        assertEquals(0, bytesPerFrame(other, DropReason.UNKNOWN_VHID));
    }

    /** Average bytes allocated per frame over FRAMES frames, after as many to warm up; every one dropped. */
    private long bytesPerFrame(byte[] frame, DropReason expected) {
        byte[] buffer = new byte[1536];
        java.util.Arrays.fill(buffer, (byte) 0x5a);
        System.arraycopy(frame, 0, buffer, 0, frame.length);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long now = 10 * S;
        for (int i = 0; i < FRAMES; i++) {
            engine.receive("em0", buffer, frame.length, now);
        }
        long before = engine.stats().drops(expected);
        long start = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < FRAMES; i++) {
            List<Action> actions = engine.receive("em0", buffer, frame.length, now);
            if (!actions.isEmpty()) {
                throw new AssertionError("a suppressed drop does nothing: " + actions);
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - start;
        assertEquals(FRAMES, engine.stats().drops(expected) - before, "every frame dropped as " + expected);
        assertTrue(threads.isThreadAllocatedMemoryEnabled(), "the JVM measures allocation, or 0 would prove nothing");
        return allocated / FRAMES;
    }
}
