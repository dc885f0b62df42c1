package org.carp4j.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The uid column of /proc/net/tcp and tcp6, as the control channel reads it. */
class PeerCredentialsTest {
    static final String TCP = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:0070 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
               1: 0100007F:9C40 0100007F:0070 01 00000000:00000000 00:00000000 00000000 65534        0 4243 1 0000000000000000 20 4 30 10 -1
               2: 0100007F:0070 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 4244 1 0000000000000000 20 4 30 10 -1
               3: 0100007F:9C42 0100007F:0070 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
               4: 00000000:42E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4245 1 0000000000000000 100 0 0 10 0
               5: 0100007F:0070 0100007F:9C43 01 00000000:00000000 00:00000000 00000000 65534        0 4246 1 0000000000000000 20 4 30 10 -1
            """;
    static final String TCP6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0000000000000000FFFF00000100007F:9C41 0000000000000000FFFF00000100007F:0070 01 00000000:00000000 00:00000000 00000000     0        0 5000 1 0000000000000000 20 4 30 10 -1
               1: 00000000000000000000000001000000:1BC8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 5001 1 0000000000000000 100 0 0 10 0
            """;

    static InetSocketAddress lo(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    static PeerCredentials.Table table() {
        List<PeerCredentials.Socket> all = new ArrayList<>(PeerCredentials.parse(TCP.lines().toList(), ByteOrder.LITTLE_ENDIAN));
        all.addAll(PeerCredentials.parse(TCP6.lines().toList(), ByteOrder.LITTLE_ENDIAN));
        return new PeerCredentials.Table(all);
    }

    @Test
    void theClientsSideOfAConnectionNamesItsOwner() {
        // carpd accepted 127.0.0.1:40000 -> 127.0.0.1:112; the client's end is the line local=40000
        assertEquals(65534, table().owner(lo(0x9C40), lo(112)));
        assertEquals(0, table().owner(lo(112), lo(0x9C40)), "carpd's own end of it");
    }

    @Test
    void aDualStackJavaClientIsFoundInTcp6UnderItsIpv4Address() {
        assertEquals(0, table().owner(lo(0x9C41), lo(112)));
    }

    @Test
    void timeWaitLinesOwnNothing() {
        // a closed connection shows uid 0: it must never pass for a root client
        assertNull(table().owner(lo(0x9C42), lo(112)));
        assertNull(table().owner(lo(50000), lo(112)), "no such socket");
    }

    @Test
    void listenersOfAPortIncludeTheWildcardOnes() {
        assertEquals(List.of(0), table().listeners(lo(112)));
        assertEquals(List.of(1000), table().listeners(lo(17128)), "0.0.0.0:17128 takes connections to 127.0.0.1");
        assertEquals(List.of(), table().listeners(lo(7112)), "::1 is not 127.0.0.1");
        assertEquals(List.of(), table().listeners(lo(9999)));
    }

    @Test
    void wordsAreReadInTheHostsByteOrder() {
        assertEquals(lo(112), PeerCredentials.endpoint("7F000001:0070", ByteOrder.BIG_ENDIAN));
        assertEquals(lo(112), PeerCredentials.endpoint("0100007F:0070", ByteOrder.LITTLE_ENDIAN));
        InetAddress v6 = PeerCredentials.endpoint("00000000000000000000000001000000:0001", ByteOrder.LITTLE_ENDIAN).getAddress();
        assertTrue(v6 instanceof java.net.Inet6Address && v6.isLoopbackAddress(), v6.toString());
    }

    @Test
    void garbageLinesAreSkipped() {
        assertEquals(0, PeerCredentials.parse(List.of("", "x", "  9: zz:0070 0100007F:0070 01 a b c 0"),
                ByteOrder.LITTLE_ENDIAN).size());
    }

    @Test
    void theRealTableKnowsThisProcessesSockets() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            PeerCredentials.Table t = PeerCredentials.read();
            int me = Integer.parseInt(org.carp4j.testing.Exec.run("id", "-u").out().trim());
            assertEquals(me, t.owner((InetSocketAddress) accepted.getRemoteSocketAddress(),
                    (InetSocketAddress) accepted.getLocalSocketAddress()));
            assertTrue(t.listeners(lo(server.getLocalPort())).contains(me));
        }
    }

    @Test
    void theClientRefusesAPortThatRootDoesNotHold() {
        assertNull(ControlClient.notCarpd(table(), lo(112), lo(0x9C41)));
        assertEquals("control port 17128 is held by uid 1000, not carpd; refusing to send the credential",
                ControlClient.notCarpd(table(), lo(17128), lo(50000)));
        assertEquals("control port 112 is held by uid 65534, not carpd; refusing to send the credential",
                ControlClient.notCarpd(table(), lo(112), lo(0x9C43)), "the end that accepted us is not root's");
        assertTrue(ControlClient.notCarpd(table(), lo(9999), lo(50000)).startsWith("nothing listens on control port 9999"));
    }

    @Test
    void theKernelsAnswerForTheServersEndDecidesTheSame() {
        assertNull(ControlClient.notCarpd(0, lo(112)));
        assertEquals("control port 112 is held by uid 65534, not carpd; refusing to send the credential",
                ControlClient.notCarpd(65534, lo(112)));
        assertTrue(ControlClient.notCarpd((Integer) null, lo(112)).startsWith("nothing listens on control port 112"));
    }
}
