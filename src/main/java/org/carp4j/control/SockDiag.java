package org.carp4j.control;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The owner of one TCP socket, asked of the kernel by the socket's exact ends (NETLINK_SOCK_DIAG,
 * SOCK_DIAG_BY_FAMILY without a dump): one hash lookup. Reading /proc/net/tcp instead walks every
 * bucket of the host's connection table, a few milliseconds per read on a large machine even when
 * the namespace has two sockets, and the control channel read it four times per command.
 * Requests and answers are built and read by pure methods; {@link #owner} is the one call that
 * talks to the kernel.
 */
public final class SockDiag implements AutoCloseable {
    private static final int AF_NETLINK = 16;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final int IPPROTO_TCP = 6;
    static final int SOCK_DIAG_BY_FAMILY = 20;
    static final int NLMSG_ERROR = 2;
    private static final int NLM_F_REQUEST = 1;
    private static final int ENOENT = 2;
    private static final int HEADER = 16;
    /** struct inet_diag_req_v2: family, protocol, ext, pad, states, then the 48-byte socket id. */
    static final int REQUEST_LENGTH = HEADER + 8 + 48;
    /** idiag_uid in struct inet_diag_msg: 4 bytes, the socket id, expires, rqueue, wqueue. */
    private static final int UID_OFFSET = HEADER + 4 + 48 + 12;
    /**
     * TCP states of a full socket with a real owner. A half-open request (SYN_RECV) and a
     * TIME_WAIT socket are answered with uid 0 whoever made them, and a listener stands in when
     * no connection matches: none of those may vouch for root.
     */
    private static final java.util.Set<Integer> FULL = java.util.Set.of(1, 2, 4, 5, 7, 8, 9, 11);
    private static final int TIMER_TIME_WAIT = 3;

    /** The kernel answered with a socket whose owner means nothing (see {@link #FULL}): ask the tables instead. */
    public static final class NotAFullSocket extends IOException {
        NotAFullSocket(String why) {
            super(why);
        }
    }

    interface LibC extends Library {
        int socket(int domain, int type, int protocol);

        long send(int fd, Pointer buffer, long length, int flags);

        long recv(int fd, Pointer buffer, long length, int flags);

        int close(int fd);
    }

    private final LibC libc;
    private final int fd;
    private final Memory out = new Memory(REQUEST_LENGTH);
    private final Memory in = new Memory(8192);
    private int seq;

    private SockDiag(LibC libc, int fd) {
        this.libc = libc;
        this.fd = fd;
    }

    /** A sock_diag socket; IOException where the kernel or the process cannot have one. */
    public static SockDiag open() throws IOException {
        LibC libc;
        try {
            libc = Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new IOException("cannot load libc: " + e.getMessage(), e);
        }
        int fd = libc.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0) {
            throw new IOException("socket(AF_NETLINK, NETLINK_SOCK_DIAG): errno " + Native.getLastError());
        }
        return new SockDiag(libc, fd);
    }

    /**
     * The uid owning the TCP socket whose own end is local and whose peer is remote; null if the
     * kernel has no such socket. A dual-stack Java socket holds an IPv4-mapped address, which the
     * kernel finds under IPv4 as well.
     */
    public synchronized Integer owner(InetSocketAddress local, InetSocketAddress remote) throws IOException {
        byte[] request = request(++seq, local, remote);
        out.write(0, request, 0, request.length);
        if (libc.send(fd, out, request.length, 0) != request.length) {
            throw new IOException("sock_diag send: errno " + Native.getLastError());
        }
        while (true) {
            long n = libc.recv(fd, in, in.size(), 0);
            if (n < 0) {
                throw new IOException("sock_diag recv: errno " + Native.getLastError());
            }
            ByteBuffer answer = in.getByteBuffer(0, n).order(ByteOrder.nativeOrder());
            if (n >= HEADER && answer.getInt(8) != seq) {
                continue; // an answer to an earlier request that timed out on our side
            }
            return uid(answer, local.getPort(), remote.getPort());
        }
    }

    /** The request for the socket (local, remote), in the host's byte order where the kernel wants it. */
    static byte[] request(int seq, InetSocketAddress local, InetSocketAddress remote) {
        ByteBuffer b = ByteBuffer.allocate(REQUEST_LENGTH).order(ByteOrder.nativeOrder());
        boolean v4 = address(local.getAddress()).length == 4 && address(remote.getAddress()).length == 4;
        b.putInt(REQUEST_LENGTH).putShort((short) SOCK_DIAG_BY_FAMILY).putShort((short) NLM_F_REQUEST)
                .putInt(seq).putInt(0);
        b.put((byte) (v4 ? AF_INET : AF_INET6)).put((byte) IPPROTO_TCP).put((byte) 0).put((byte) 0);
        b.putInt(-1); // every state: an exact lookup ignores it, a dump would not
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) local.getPort()).putShort((short) remote.getPort());
        b.put(padded(address(local.getAddress()))).put(padded(address(remote.getAddress())));
        b.order(ByteOrder.nativeOrder()).putInt(0); // any interface
        b.putInt(-1).putInt(-1); // INET_DIAG_NOCOOKIE
        return b.array();
    }

    /**
     * The uid in an answer about the socket (sport, dport); null for "no such socket";
     * {@link NotAFullSocket} when the kernel answered with anything but that connection's full
     * socket; IOException for any other error.
     */
    static Integer uid(ByteBuffer answer, int sport, int dport) throws IOException {
        if (answer.limit() < HEADER + 4) {
            throw new IOException("sock_diag: short answer (" + answer.limit() + " bytes)");
        }
        int type = answer.getShort(4) & 0xffff;
        if (type == NLMSG_ERROR) {
            int errno = -answer.getInt(HEADER);
            if (errno == ENOENT) {
                return null;
            }
            throw new IOException("sock_diag: errno " + errno);
        }
        if (type != SOCK_DIAG_BY_FAMILY || answer.limit() < UID_OFFSET + 4) {
            throw new IOException("sock_diag: unexpected answer type " + type + ", " + answer.limit() + " bytes");
        }
        int state = answer.get(HEADER + 1) & 0xff;
        int timer = answer.get(HEADER + 2) & 0xff;
        int gotSport = answer.order(ByteOrder.BIG_ENDIAN).getShort(HEADER + 4) & 0xffff;
        int gotDport = answer.getShort(HEADER + 6) & 0xffff;
        answer.order(ByteOrder.nativeOrder());
        if (!FULL.contains(state) || timer == TIMER_TIME_WAIT || gotSport != sport || gotDport != dport) {
            throw new NotAFullSocket("sock_diag: state " + state + ", timer " + timer + ", ports " + gotSport + "/"
                    + gotDport + ": not the connection's own socket");
        }
        return answer.getInt(UID_OFFSET);
    }

    /** An IPv4-mapped IPv6 address counts as IPv4, as the kernel keeps such a socket. */
    private static byte[] address(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address && b.length == 16 && isMapped(b)) {
            return new byte[] {b[12], b[13], b[14], b[15]};
        }
        return b;
    }

    private static boolean isMapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static byte[] padded(byte[] a) {
        byte[] p = new byte[16];
        System.arraycopy(a, 0, p, 0, a.length);
        return p;
    }

    @Override
    public synchronized void close() {
        libc.close(fd);
    }
}
