package org.carp4j.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.carp4j.codec.DropReason;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.testing.Pcap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The receive path against the forged vectors: each one dropped for its named reason, and counted. */
class ReceivePathTest {
    private static final long S = Interval.SECOND;
    private CarpEngine engine;

    @BeforeEach
    void backupOnEm0() {
        engine = new CarpEngine(new Random(1));
        engine.carpdev(new Carpdev("em0", MacAddress.parse("02:00:00:00:00:01"),
                List.of(VipAddress.parse("172.16.0.1/24")), true), 0);
        VhostConfig carp0 = new VhostConfig("carp0", 1, "lanpasswd", "em0", 1, 100,
                List.of(VipAddress.parse("172.16.0.100/24")), true);
        engine.apply(List.of(carp0), Sysctls.DEFAULTS, 0, 0);
        assertEquals(CarpState.BACKUP, engine.state("carp0"));
    }

    @ParameterizedTest
    @CsvSource({
        "badttl,     BAD_TTL",
        "badcksum,   BAD_CHECKSUM",
        "badversion, BAD_VERSION",
        "othervhid,  UNKNOWN_VHID",
        "truncated,  SHORT",
        "short-ip,   SHORT",
        "vrrp,       SHORT",
        "badhmac,    BAD_AUTH",
    })
    void forgedPacketIsDroppedForItsReason(String kind, DropReason reason) throws Exception {
        for (byte[] frame : Pcap.resource("forged/forged-" + kind + ".pcap")) {
            List<Action> actions = engine.receive("em0", frame, S);
            // bad authentication is logged even at log 0 (issue 15): a wrong password is otherwise silent
            assertTrue(reason == DropReason.BAD_AUTH ? actions.stream().allMatch(x -> x instanceof Action.Log)
                    && actions.size() == 1 : actions.isEmpty(), "a dropped packet changes nothing: " + actions);
        }
        assertEquals(1, engine.stats().drops(reason));
        assertEquals(1, engine.stats().dropsByReason().values().stream().mapToLong(Long::longValue).sum());
        assertEquals(CarpState.BACKUP, engine.state("carp0"));
    }

    @Test
    void validForgedAdvertIsAcceptedAndRestartsTheMasterDownTimer() throws Exception {
        byte[] frame = Pcap.resource("forged/forged-valid.pcap").get(0);
        engine.receive("em0", frame, 2 * S);
        assertEquals(1, engine.stats().snapshot().get("accepted"));
        // PROTOCOL.md §0/§3.1, advskew 100: master-down = 3 x (1 + 100/256) s = 4.171875 s after the advert
        // (received at 2 s), not after start: 6.171875 s
        assertEquals(6_171_875_000L, engine.nextDeadline());
    }

    @Test
    void leaveAdvertMakesTheBackupTakeOverAtOnce() throws Exception {
        List<Action> actions = engine.receive("em0", Pcap.resource("forged/forged-leave.pcap").get(0), 2 * S);
        assertEquals(CarpState.MASTER, engine.state("carp0"));
        assertTrue(actions.stream().anyMatch(a -> a instanceof Action.StateChange sc && sc.why().equals("master bowed out")));
    }

    @Test
    void notAllowedDropsEverything() throws Exception {
        engine.apply(List.of(new VhostConfig("carp0", 1, "lanpasswd", "em0", 1, 100,
                List.of(VipAddress.parse("172.16.0.100/24")), true)), new Sysctls(0, 0, 0, 0), 0, 0);
        engine.receive("em0", Pcap.resource("forged/forged-leave.pcap").get(0), S);
        assertEquals(1, engine.stats().drops(DropReason.NOT_ALLOWED));
        assertEquals(CarpState.BACKUP, engine.state("carp0"));
    }

    @Test
    void advertOnAnotherCarpdevIsAnUnknownVhid() throws Exception {
        engine.receive("em1", Pcap.resource("forged/forged-valid.pcap").get(0), S);
        assertEquals(1, engine.stats().drops(DropReason.UNKNOWN_VHID));
    }

    @Test
    void dropsAreLoggedOnlyAtLogOne() throws Exception {
        byte[] bad = Pcap.resource("forged/forged-badttl.pcap").get(0);
        assertTrue(engine.receive("em0", bad, S).isEmpty());
        engine.apply(List.of(new VhostConfig("carp0", 1, "lanpasswd", "em0", 1, 100,
                List.of(VipAddress.parse("172.16.0.100/24")), true)), new Sysctls(1, 0, 1, 0), 0, 0);
        List<Action> logged = engine.receive("em0", bad, S);
        assertEquals(1, logged.size());
        assertTrue(((Action.Log) logged.get(0)).message().contains("TTL"), logged.toString());
    }
}
