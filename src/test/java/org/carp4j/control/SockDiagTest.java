package org.carp4j.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The kernel's exact socket lookup the control channel asks instead of reading /proc/net/tcp. */
class SockDiagTest {
    static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void aRequestNamesTheSocketByBothEndsInNetworkOrder() throws Exception {
        byte[] r = SockDiag.request(7, at("127.0.0.1", 40000), at("127.0.0.1", 112));
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.nativeOrder());
        assertEquals(72, r.length);
        assertEquals(72, b.getInt(0), "nlmsg_len");
        assertEquals(SockDiag.SOCK_DIAG_BY_FAMILY, b.getShort(4), "nlmsg_type");
        assertEquals(1, b.getShort(6), "NLM_F_REQUEST only: a lookup, not a dump");
        assertEquals(7, b.getInt(8), "seq");
        assertEquals(2, r[16], "AF_INET");
        assertEquals(6, r[17], "IPPROTO_TCP");
        assertArrayEquals(new byte[] {(byte) 0x9c, 0x40, 0x00, 0x70}, Arrays.copyOfRange(r, 24, 28), "sport, dport");
        assertArrayEquals(new byte[] {127, 0, 0, 1}, Arrays.copyOfRange(r, 28, 32), "src");
        assertArrayEquals(new byte[] {127, 0, 0, 1}, Arrays.copyOfRange(r, 44, 48), "dst");
        assertArrayEquals(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}, Arrays.copyOfRange(r, 64, 72), "no cookie");
        assertEquals(10, SockDiag.request(1, at("::1", 1), at("::1", 2))[16], "AF_INET6");
    }

    @Test
    void noSuchSocketIsNullAndOtherErrorsAreErrors() throws Exception {
        ByteBuffer enoent = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        enoent.putInt(0, 36).putShort(4, (short) SockDiag.NLMSG_ERROR).putInt(16, -2);
        assertNull(SockDiag.uid(enoent, 1, 2));
        ByteBuffer eperm = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        eperm.putInt(0, 36).putShort(4, (short) SockDiag.NLMSG_ERROR).putInt(16, -1);
        assertThrows(IOException.class, () -> SockDiag.uid(eperm, 1, 2));
        assertThrows(IOException.class, () -> SockDiag.uid(ByteBuffer.allocate(8), 1, 2));
    }

    @Test
    void theKernelNamesTheOwnerOfBothEndsOfALoopbackConnection() throws Exception {
        int me = Integer.parseInt(org.carp4j.testing.Exec.run("id", "-u").out().trim());
        try (SockDiag diag = SockDiag.open();
             ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            InetSocketAddress c = (InetSocketAddress) client.getLocalSocketAddress();
            InetSocketAddress s = (InetSocketAddress) client.getRemoteSocketAddress();
            assertEquals(me, diag.owner(c, s), "the client's end");
            assertEquals(me, diag.owner(s, c), "the server's end");
            assertNull(diag.owner(at("127.0.0.1", 1), s), "no such connection");
        }
    }

    /** An inet_diag_msg answer: state, timer, the ports, and the uid. */
    static ByteBuffer answer(int state, int timer, int sport, int dport, int uid) {
        ByteBuffer b = ByteBuffer.allocate(16 + 72).order(ByteOrder.nativeOrder());
        b.putInt(0, 88).putShort(4, (short) SockDiag.SOCK_DIAG_BY_FAMILY);
        b.put(16, (byte) 2).put(17, (byte) state).put(18, (byte) timer);
        b.order(ByteOrder.BIG_ENDIAN).putShort(20, (short) sport).putShort(22, (short) dport);
        b.order(ByteOrder.nativeOrder()).putInt(80, uid);
        return b;
    }

    @Test
    void onlyTheConnectionsOwnFullSocketVouchesForItsOwner() throws Exception {
        assertEquals(0, SockDiag.uid(answer(1, 0, 40000, 112, 0), 40000, 112), "established");
        assertEquals(65534, SockDiag.uid(answer(1, 0, 40000, 112, 65534), 40000, 112));
        // the kernel says uid 0 for these whoever made them: a squatter's half-open connection
        // (TCP_DEFER_ACCEPT), a TIME_WAIT socket, a listener standing in for no connection
        assertThrows(SockDiag.NotAFullSocket.class, () -> SockDiag.uid(answer(3, 0, 40000, 112, 0), 40000, 112));
        assertThrows(SockDiag.NotAFullSocket.class, () -> SockDiag.uid(answer(6, 3, 40000, 112, 0), 40000, 112));
        assertThrows(SockDiag.NotAFullSocket.class, () -> SockDiag.uid(answer(1, 3, 40000, 112, 0), 40000, 112));
        assertThrows(SockDiag.NotAFullSocket.class, () -> SockDiag.uid(answer(10, 0, 112, 0, 0), 112, 40000));
        assertThrows(SockDiag.NotAFullSocket.class, () -> SockDiag.uid(answer(1, 0, 40001, 112, 0), 40000, 112));
    }
}
