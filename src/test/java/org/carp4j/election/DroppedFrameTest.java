package org.carp4j.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.carp4j.codec.DropReason;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.testing.Pcap;
import org.junit.jupiter.api.Test;

/**
 * README: "200,000 random and mutated frames ... a dropped packet changes nothing". The frames go
 * through the whole engine (receive path, HMAC, replay guard, election), not just the decoder, and
 * the engine's whole state is compared before and after every frame it drops.
 */
class DroppedFrameTest {
    private static final long MS = 1_000_000L;

    /**
     * What a drop is allowed to change: the count of frames seen and of drops (that is the
     * counting of the drop), the log rate limiters (their job is to remember what was logged),
     * the note of the last failed authentication (so a later "master timed out" line can say a
     * peer's password is wrong), scratch buffers every check overwrites before reading, and the
     * HMAC's memo of the message prefix (a function of the configured vhid and addresses only,
     * filled by the first frame that gets as far as the HMAC).
     */
    private static final Set<String> DROP_BOOKKEEPING = Set.of(
            "ReceiveStats.received4", "ReceiveStats.received6", "ReceiveStats.drops",
            "ReceivePath.dropLines", "ReceivePath.badAuthLines", "ReceivePath.badAuthKey",
            "VirtualHost.badAuthSource", "VirtualHost.badAuthLength", "VirtualHost.badAuthAt",
            "ReceivePath.carp", "Keyed.digest", "HmacSha1.inner",
            "Keyed.prefixVhid", "Keyed.prefixFor", "Keyed.prefixAll", "Keyed.prefixWithoutLinkLocal",
            "CarpEngine.deadline"); // a cache of the timers, which are compared; any frame empties it
    private static final EngineSnapshot SNAPSHOT = new EngineSnapshot(DROP_BOOKKEEPING);

    /** The engine's randomness, counted: a drop must not draw from it either. */
    static final class CountingRandom implements RandomGenerator {
        private final Random random;
        private long draws;

        CountingRandom(long seed) {
            random = new Random(seed);
        }

        @Override
        public long nextLong() {
            draws++;
            return random.nextLong();
        }
    }

    /** Configured to match the seeds (vhid 1, lanpasswd, 172.16.0.100) so mutants get deep into the checks. */
    private static CarpEngine engine(Sysctls sysctls, int advskew) {
        CarpEngine e = new CarpEngine(new CountingRandom(7));
        e.carpdev(new Carpdev("em0", MacAddress.parse("02:00:00:00:00:01"),
                List.of(VipAddress.parse("172.16.0.1/24")), true), 0);
        e.apply(List.of(new VhostConfig("carp0", 1, "lanpasswd", "em0", 1, advskew,
                        List.of(VipAddress.parse("172.16.0.100/24")), true),
                new VhostConfig("carp1", 2, "", "em0", 1, 0,
                        List.of(VipAddress.parse("172.16.0.101/24"), VipAddress.parse("2001:db8::1/64")), true)),
                sysctls, 0, 0);
        return e;
    }

    private static List<byte[]> seeds() throws Exception {
        List<byte[]> seeds = new ArrayList<>(Pcap.resource("ucarp-vhid1-lanpasswd-advskew0.pcap"));
        for (String forged : List.of("valid", "leave", "badhmac", "badttl", "badcksum", "othervhid", "truncated",
                "short-ip", "vrrp", "badversion")) {
            seeds.addAll(Pcap.resource("forged/forged-" + forged + ".pcap"));
        }
        return seeds;
    }

    /** One scenario: `frames` random or mutated frames, 1 ms apart, with the timers run between them. */
    private static Map<String, Long> run(CarpEngine e, CarpState keep, byte[] keepalive, long seed, int frames,
                                         List<byte[]> seeds) {
        Random r = new Random(seed);
        long now = MS;
        long dropped = 0;
        long accepted = 0;
        List<String> unchanged = null; // the last snapshot, while no other input came in since
        for (int i = 0; i < frames; i++) {
            now += MS;
            if (e.nextDeadline() <= now) {
                e.tick(now);
                unchanged = null;
            }
            if (keep == CarpState.BACKUP && i % 500 == 0) {
                e.receive("em0", keepalive, now); // a live master every 0.5 s, so the state stays BACKUP
                unchanged = null;
            }
            if (e.state("carp0") != keep) {
                e.forceState("carp0", keep, now);
                unchanged = null;
            }
            byte[] frame = mutant(r, seeds);
            long acceptedBefore = e.stats().snapshot().get("accepted");
            long dropsBefore = totalDrops(e);
            List<String> before = unchanged != null ? unchanged : SNAPSHOT.of(e);

            List<Action> actions = e.receive("em0", frame, now);

            if (e.stats().snapshot().get("accepted") > acceptedBefore) {
                accepted++; // a mutant that is still a valid advert may change things, as any advert does
                unchanged = null;
                continue;
            }
            dropped++;
            assertEquals(dropsBefore + 1, totalDrops(e), "one drop reason counted for frame " + i);
            assertTrue(actions.stream().allMatch(a -> a instanceof Action.Log), "frame " + i + " emitted " + actions);
            List<String> after = SNAPSHOT.of(e);
            if (!before.equals(after)) {
                throw new AssertionError("dropped frame " + i + " (" + java.util.HexFormat.of().formatHex(frame)
                        + ") changed the engine: " + EngineSnapshot.diff(before, after));
            }
            unchanged = after;
        }
        Map<String, Long> counts = new java.util.HashMap<>(Map.of("dropped", dropped, "accepted", accepted));
        e.stats().dropsByReason().forEach((reason, n) -> counts.put(reason.name(), n));
        return counts;
    }

    private static long totalDrops(CarpEngine e) {
        return e.stats().dropsByReason().values().stream().mapToLong(Long::longValue).sum();
    }

    /** As FrameCodecTest's garbage: a quarter pure noise, the rest seeds cut or extended and bit-flipped. */
    private static byte[] mutant(Random r, List<byte[]> seeds) {
        if (r.nextInt(4) == 0) {
            byte[] frame = new byte[r.nextInt(120)];
            r.nextBytes(frame);
            return frame;
        }
        byte[] seed = seeds.get(r.nextInt(seeds.size()));
        byte[] frame = Arrays.copyOf(seed, Math.max(0, seed.length + r.nextInt(9) - 6));
        for (int m = r.nextInt(4); m >= 0 && frame.length > 0; m--) {
            frame[r.nextInt(frame.length)] ^= (byte) (1 << r.nextInt(8));
        }
        if (r.nextBoolean()) {
            fixChecksums(frame); // so the flips get past the checksums to the vhid, the HMAC and the election
        }
        return frame;
    }

    /** Recomputes the IPv4 header and CARP checksums of an IPv4 frame, where the frame is long enough. */
    private static void fixChecksums(byte[] f) {
        if (f.length < 14 + 20 || f[12] != 0x08 || f[13] != 0x00) {
            return;
        }
        int ihl = (f[14] & 0x0f) * 4;
        if (ihl < 20 || f.length < 14 + ihl + 36) {
            return;
        }
        put(f, 14 + 10, 0);
        put(f, 14 + 10, org.carp4j.codec.Checksum.of(f, 14, ihl));
        int carp = 14 + ihl;
        put(f, carp + 6, 0);
        put(f, carp + 6, org.carp4j.codec.Checksum.of(f, carp, 36));
    }

    private static void put(byte[] f, int at, int v) {
        f[at] = (byte) (v >> 8);
        f[at + 1] = (byte) v;
    }

    @Test
    void twoHundredThousandDroppedFramesChangeNothingInTheEngine() throws Exception {
        List<byte[]> seeds = seeds();
        byte[] keepalive = Pcap.resource("ucarp-vhid1-lanpasswd-advskew0.pcap").get(0);
        Sysctls plain = Sysctls.DEFAULTS;
        Sysctls guarded = Sysctls.DEFAULTS.with("replay", 1).with("log", 1).with("preempt", 1);
        List<Map<String, Long>> runs = List.of(
                run(engine(plain, 100), CarpState.BACKUP, keepalive, 1, 50_000, seeds),
                run(engine(guarded, 100), CarpState.BACKUP, keepalive, 2, 50_000, seeds),
                run(engine(plain, 0), CarpState.MASTER, keepalive, 3, 50_000, seeds),
                run(engine(guarded, 0), CarpState.MASTER, keepalive, 4, 50_000, seeds));
        long dropped = runs.stream().mapToLong(m -> m.get("dropped")).sum();
        long accepted = runs.stream().mapToLong(m -> m.get("accepted")).sum();
        assertEquals(200_000, dropped + accepted);
        assertTrue(dropped > 190_000, "the frames are mostly invalid: " + dropped + " dropped");
        // and they reach every check, the HMAC included (the keepalives add a few accepted, none dropped)
        for (DropReason reason : List.of(DropReason.SHORT, DropReason.MALFORMED, DropReason.BAD_TTL,
                DropReason.BAD_CHECKSUM, DropReason.UNKNOWN_VHID, DropReason.BAD_VERSION, DropReason.BAD_AUTH)) {
            long n = runs.stream().mapToLong(m -> m.getOrDefault(reason.name(), 0L)).sum();
            assertTrue(n >= 200, reason + ": " + n);
        }
    }
}
