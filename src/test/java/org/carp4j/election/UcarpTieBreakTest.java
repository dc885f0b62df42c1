package org.carp4j.election;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two masters with equal intervals and demotion: who stays MASTER. ucarp's rule, src/carp.c of
 * jedisct1/UCarp at 1a9aaf7649c8b84b4e87b581818d6f55605862e7, lines 567-569 (MASTER state):
 * <pre>
 *   if (timercmp(&amp;sc_tv, &amp;ch_tv, &gt;) ||
 *       (timercmp(&amp;sc_tv, &amp;ch_tv, ==) &amp;&amp;
 *           iphead.ip_src.s_addr &lt; srcip.s_addr)) {   ... carp_set_state(&amp;sc, BACKUP);
 * </pre>
 * and lines 586-588 (reassert when {@code iphead.ip_src.s_addr > srcip.s_addr}). s_addr is an
 * in_addr_t (uint32_t) holding the address in network byte order, compared as an unsigned integer
 * in host byte order: on x86 (little-endian) the FIRST octet is the LEAST significant. So the
 * master whose s_addr, read that way, is lower stays; the other steps down. The rows are pairs
 * where that order and the usual numeric order (first octet most significant) disagree, plus one
 * where a signed comparison would disagree.
 */
class UcarpTieBreakTest {

    /** The uint32 an x86 ucarp compares: the four network-order bytes read little-endian. */
    private static long sAddrOnX86(String ip) {
        byte[] b = VipAddress.Inet.parseLiteral(ip).getAddress();
        return Integer.toUnsignedLong(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    @ParameterizedTest(name = "{0} (s_addr {2}) against {1} (s_addr {3}): {4} stays master")
    @CsvSource({
        // ours,        peer's,       ours on x86, peer's on x86, winner     (numeric order's winner)
        "172.16.1.1,    172.16.0.2,   0x010110ac,  0x020010ac,    ours",  // 172.16.0.2: UcarpInteropIT's pair
        "172.16.0.2,    172.16.1.1,   0x020010ac,  0x010110ac,    peer's", // ours
        "10.0.1.1,      10.0.0.2,     0x0101000a,  0x0200000a,    ours",  // 10.0.0.2
        "192.168.0.1,   10.0.0.2,     0x0100a8c0,  0x0200000a,    ours",  // 10.0.0.2
        "1.2.3.4,       4.3.2.1,      0x04030201,  0x01020304,    peer's", // ours
        "10.0.0.1,      10.0.0.200,   0x0100000a,  0xc800000a,    ours",  // ours; signed int32: 10.0.0.200
    })
    void anEqualMasterStepsDownExactlyWhenTheOthersSAddrIsLowerOnX86(String ours, String peers, String oursX86,
                                                                      String peersX86, String winner) {
        // the written-out s_addr values are what x86 reads (checked here without the code under test)
        assertEquals(Long.decode(oursX86), sAddrOnX86(ours));
        assertEquals(Long.decode(peersX86), sAddrOnX86(peers));
        assertEquals(winner.equals("ours"), Long.decode(oursX86) < Long.decode(peersX86), "ucarp's rule, by hand");

        CarpEngine e = new CarpEngine(new Random(1));
        e.carpdev(new Carpdev("em0", MacAddress.parse("02:00:00:00:00:01"), List.of(VipAddress.parse(ours + "/8")),
                true), 0);
        e.apply(List.of(new VhostConfig("carp0", 1, "pw", "em0", 1, 0, List.of(VipAddress.parse("172.16.0.100/16")),
                true)), Sysctls.DEFAULTS, 0, 0);
        e.forceState("carp0", CarpState.MASTER, 0);

        List<Action> out = e.receive("em0", Forge.advert(peers, 1, 0, 0, 42), Interval.SECOND);

        if (winner.equals("ours")) {
            assertEquals(CarpState.MASTER, e.state("carp0"), out.toString());
            assertEquals(true, out.stream().anyMatch(a -> a instanceof Action.SendFrame f
                    && f.kind() == Action.FrameKind.GARP), "reasserts with a gratuitous ARP, as ucarp: " + out);
        } else {
            assertEquals(CarpState.BACKUP, e.state("carp0"), out.toString());
            assertEquals(List.of("equal master with lower address advertised"), out.stream()
                    .filter(a -> a instanceof Action.StateChange).map(a -> ((Action.StateChange) a).why()).toList());
        }
    }
}
