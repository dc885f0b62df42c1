package org.carp4j.host;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.carp4j.config.VipAddress;

/**
 * Adds and removes interface addresses with rtnetlink (RTM_NEWADDR / RTM_DELADDR), the messages
 * `ip addr replace` and `ip addr del` send, without forking: the takeover path. Many requests go
 * out in one datagram (the kernel handles them in order and acknowledges each), so one election
 * decision for 64 interfaces costs one send and one pass over the acks. A request the kernel
 * refuses comes back as a {@link Refused} naming the address and the errno; a kernel that does not
 * answer within {@link #ANSWER_MILLIS} fails the call, never hangs it. Used from one thread (the
 * host worker); the methods are synchronized all the same.
 */
public final class NetlinkAddresses implements AutoCloseable {
    static final int NLMSG_NOOP = 1;
    static final int NLMSG_ERROR = 2;
    static final int RTM_NEWADDR = 20;
    static final int RTM_DELADDR = 21;
    static final int RTM_GETADDR = 22;
    static final int NLMSG_DONE = 3;
    static final short NLM_F_DUMP = 0x300;
    static final short NLM_F_REQUEST = 0x1;
    static final short NLM_F_ACK = 0x4;
    static final short NLM_F_REPLACE = 0x100;
    static final short NLM_F_CREATE = 0x400;
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_BROADCAST = 4;
    static final int IFA_FLAGS = 8;
    static final int IFA_F_NODAD = 0x02;
    static final int IFA_F_NOPREFIXROUTE = 0x200;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int EADDRNOTAVAIL = 99;
    static final int ENODEV = 19;
    /** The longest the kernel may take to acknowledge a batch before the call fails. */
    static final int ANSWER_MILLIS = 2000;
    static final int WARM_UP = 300;

    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_ROUTE = 0;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int SOL_NETLINK = 270;
    private static final int NETLINK_EXT_ACK = 11;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;

    /** One address change; index is the interface's, noPrefixRoute as `ip ... noprefixroute`. */
    public record Request(boolean add, int index, VipAddress address, boolean noPrefixRoute) {
    }

    /** The kernel refused one request of a batch. */
    public static final class Refused extends IOException {
        private final Request request;
        private final int errno;

        Refused(Request request, int errno) {
            super((request.add() ? "add " : "delete ") + request.address() + ": " + describe(errno));
            this.request = request;
            this.errno = errno;
        }

        public Request request() {
            return request;
        }

        public int errno() {
            return errno;
        }
    }

    /**
     * libc by JNA direct mapping: a native call costs about a microsecond, not the tens an
     * interface proxy costs, and this is the takeover path.
     */
    static final class LibC {
        private LibC() {
        }

        static native int socket(int domain, int type, int protocol);

        static native int bind(int fd, Pointer address, int length);

        static native int setsockopt(int fd, int level, int name, Pointer value, int length);

        static native long send(int fd, Pointer buffer, long length, int flags);

        static native long recv(int fd, Pointer buffer, long length, int flags);

        static native int close(int fd);

        static native Pointer if_indextoname(int index, byte[] name);
    }

    private static boolean registered;

    private final Memory in = new Memory(64 * 1024);
    private Memory out = new Memory(4096);
    private int fd = -1;
    private int seq = (int) (System.nanoTime() & 0x3fffffff);

    private NetlinkAddresses() {
    }

    /**
     * Opens the socket and checks that the kernel answers (a no-op request, acknowledged), which
     * also loads what the first takeover would otherwise load.
     */
    public static NetlinkAddresses open() throws IOException {
        synchronized (NetlinkAddresses.class) {
            if (!registered) {
                try {
                    Native.register(LibC.class, "c");
                } catch (UnsatisfiedLinkError | IllegalArgumentException e) {
                    throw new IOException("cannot load libc: " + e.getMessage(), e);
                }
                registered = true;
            }
        }
        NetlinkAddresses n = new NetlinkAddresses();
        n.ping();
        n.warmUp();
        return n;
    }

    /**
     * Runs the send/ack and encoding code a few hundred times at start, so the JIT has compiled
     * them before the first takeover needs them (interpreted, a takeover took ~0.5 ms longer).
     */
    private void warmUp() throws IOException {
        List<Request> sample = List.of(new Request(true, 1, VipAddress.parse("192.0.2.1/24"), true),
                new Request(false, 1, VipAddress.parse("2001:db8::1/64"), false));
        Map<Integer, Integer> answers = new HashMap<>();
        for (int i = 0; i < WARM_UP; i++) {
            ping();
            byte[] b = encode(sample, i);
            acks(ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()), 0, 0, answers);
        }
    }

    /** NLMSG_NOOP with an ack asked for: the kernel acknowledges it and changes nothing. */
    synchronized void ping() throws IOException {
        int s = seq++;
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        b.putInt(16).putShort((short) NLMSG_NOOP).putShort((short) (NLM_F_REQUEST | NLM_F_ACK)).putInt(s).putInt(0);
        Map<Integer, Integer> answers = exchange(b.array(), s, 1);
        if (answers.get(s) != 0) {
            throw new IOException("rtnetlink: the kernel refused a no-op request: " + describe(answers.get(s)));
        }
    }

    /**
     * Sends every request in one datagram and waits for all the acks. Returns the refused ones
     * (empty: all done); throws only when the socket itself fails or the kernel is silent.
     */
    public synchronized List<Refused> apply(List<Request> requests) throws IOException {
        if (requests.isEmpty()) {
            return List.of();
        }
        int first = seq;
        seq += requests.size();
        Map<Integer, Integer> answers = exchange(encode(requests, first), first, requests.size());
        List<Refused> refused = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            int errno = answers.get(first + i);
            if (errno != 0) {
                refused.add(new Refused(requests.get(i), errno));
            }
        }
        return refused;
    }

    /**
     * Every address of the host by interface name, from one RTM_GETADDR dump: what `ip -j addr show`
     * gives, without a fork or JSON (the address check reads 255 carp interfaces every 2 s).
     */
    public synchronized Map<String, List<VipAddress>> addresses() throws IOException {
        int s = seq++;
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
        b.putInt(24).putShort((short) RTM_GETADDR).putShort((short) (NLM_F_REQUEST | NLM_F_DUMP)).putInt(s).putInt(0);
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).putInt(0); // ifaddrmsg: any family, any interface
        send(b.array());
        Map<Integer, List<VipAddress>> byIndex = new HashMap<>();
        long deadline = System.nanoTime() + ANSWER_MILLIS * 1_000_000L;
        boolean done = false;
        while (!done) {
            long n = LibC.recv(fd, in, in.size(), 0);
            if (n < 0) {
                int errno = Native.getLastError();
                if (errno == EINTR || errno == EAGAIN && System.nanoTime() < deadline) {
                    continue;
                }
                reset(); // the rest of the dump must not be read as the next answer
                throw new IOException("rtnetlink address dump: " + (errno == EAGAIN ? "no answer within "
                        + ANSWER_MILLIS + " ms" : describe(errno)));
            }
            done = parseDump(in.getByteBuffer(0, n).order(ByteOrder.nativeOrder()), s, byIndex);
        }
        Map<String, List<VipAddress>> out = new HashMap<>();
        byte[] name = new byte[16]; // IFNAMSIZ
        byIndex.forEach((index, list) -> {
            if (LibC.if_indextoname(index, name) != null) { // null: deleted since the dump
                int len = 0;
                while (len < name.length && name[len] != 0) {
                    len++;
                }
                out.put(new String(name, 0, len, java.nio.charset.StandardCharsets.US_ASCII), list);
            }
        });
        return out;
    }

    /**
     * One datagram of an address dump: its RTM_NEWADDR messages added to byIndex (IPv4: the local
     * address, IPv6: the address, with the prefix length). True at the dump's NLMSG_DONE. Pure, for tests.
     */
    static boolean parseDump(ByteBuffer b, int seq, Map<Integer, List<VipAddress>> byIndex) throws IOException {
        int at = 0;
        while (at + 16 <= b.limit()) {
            int len = b.getInt(at);
            int type = b.getShort(at + 4) & 0xffff;
            if (len < 16 || at + len > b.limit()) {
                throw new IOException("rtnetlink address dump: a truncated message");
            }
            if (b.getInt(at + 8) == seq) {
                if (type == NLMSG_DONE) {
                    return true;
                }
                if (type == NLMSG_ERROR) {
                    throw new IOException("rtnetlink address dump: " + describe(-b.getInt(at + 16)));
                }
                if (type == RTM_NEWADDR && len >= 24) {
                    int index = b.getInt(at + 20);
                    address(b, at, len).ifPresent(a -> byIndex.computeIfAbsent(index, k -> new ArrayList<>()).add(a));
                }
            }
            at += (len + 3) & ~3;
        }
        return false;
    }

    private static java.util.Optional<VipAddress> address(ByteBuffer b, int at, int len) {
        int family = b.get(at + 16) & 0xff;
        int prefix = b.get(at + 17) & 0xff;
        int size = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
        byte[] local = null;
        byte[] address = null;
        for (int r = at + 24; r + 4 <= at + len; ) {
            int rlen = b.getShort(r) & 0xffff;
            int rtype = b.getShort(r + 2) & 0xffff;
            if (rlen < 4 || r + rlen > at + len) {
                break;
            }
            if (size > 0 && rlen - 4 == size && (rtype == IFA_LOCAL || rtype == IFA_ADDRESS)) {
                byte[] v = new byte[size];
                b.get(r + 4, v);
                if (rtype == IFA_LOCAL) {
                    local = v;
                } else {
                    address = v;
                }
            }
            r += (rlen + 3) & ~3;
        }
        byte[] chosen = local != null ? local : address; // IFA_LOCAL is the host's own (IFA_ADDRESS a peer's on p2p)
        if (chosen == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(new VipAddress(java.net.InetAddress.getByAddress(chosen), prefix));
        } catch (java.net.UnknownHostException | IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    private void send(byte[] message) throws IOException {
        if (fd < 0) {
            fd = openSocket();
        }
        if (out.size() < message.length) {
            out = new Memory(message.length);
        }
        out.write(0, message, 0, message.length);
        long sent = LibC.send(fd, out, message.length, 0);
        if (sent != message.length) {
            int errno = Native.getLastError();
            reset();
            throw new IOException("rtnetlink send: " + describe(errno));
        }
    }

    /** One datagram out, the acks of its count messages (sequence first on) back: errno by sequence. */
    private Map<Integer, Integer> exchange(byte[] message, int first, int count) throws IOException {
        send(message);
        Map<Integer, Integer> answers = new HashMap<>();
        long deadline = System.nanoTime() + ANSWER_MILLIS * 1_000_000L;
        while (answers.size() < count) {
            long n = LibC.recv(fd, in, in.size(), 0);
            if (n < 0) {
                int errno = Native.getLastError();
                if (errno == EINTR || errno == EAGAIN && System.nanoTime() < deadline) {
                    continue;
                }
                reset(); // a late ack must not be taken for the next batch's
                throw new IOException(errno == EAGAIN
                        ? "rtnetlink: the kernel did not answer " + (count - answers.size())
                        + " of " + count + " requests within " + ANSWER_MILLIS + " ms"
                        : "rtnetlink recv: " + describe(errno));
            }
            acks(in.getByteBuffer(0, n).order(ByteOrder.nativeOrder()), first, count, answers);
        }
        return answers;
    }

    /** A socket to the kernel, no groups; recv gives up after a while so a silent kernel cannot hang us. */
    private int openSocket() throws IOException {
        int s = LibC.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (s < 0) {
            throw new IOException("socket(AF_NETLINK, NETLINK_ROUTE): " + describe(Native.getLastError()));
        }
        Memory sa = new Memory(12); // struct sockaddr_nl { u16 family; u16 pad; u32 pid; u32 groups; }
        sa.clear();
        sa.setShort(0, (short) AF_NETLINK);
        Memory timeout = new Memory(2L * Native.LONG_SIZE); // struct timeval: 100 ms per recv
        timeout.clear();
        if (Native.LONG_SIZE == 8) {
            timeout.setLong(8, 100_000);
        } else {
            timeout.setInt(4, 100_000);
        }
        if (LibC.bind(s, sa, 12) != 0 || LibC.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, timeout, (int) timeout.size()) != 0) {
            int errno = Native.getLastError();
            LibC.close(s);
            throw new IOException("rtnetlink socket: " + describe(errno));
        }
        Memory off = new Memory(4);
        off.setInt(0, 0);
        LibC.setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, off, 4); // plain acks: short, fixed size
        return s;
    }

    private void reset() {
        if (fd >= 0) {
            LibC.close(fd);
            fd = -1;
        }
    }

    @Override
    public synchronized void close() {
        reset();
    }

    /**
     * The datagram: one message per request, sequence numbers from first on, in the byte order
     * and attribute order `ip addr replace ... brd +` / `ip addr del` use. Pure, for tests.
     */
    static byte[] encode(List<Request> requests, int first) {
        int size = 0;
        for (Request r : requests) {
            size += length(r);
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        int s = first;
        for (Request r : requests) {
            message(b, r, s++);
        }
        return b.array();
    }

    private static int length(Request r) {
        int addr = r.address().isIPv4() ? 8 : 20;
        int len = 16 + 8 + 2 * addr;
        if (r.add() && flags(r) > 0xff) {
            len += 8;
        }
        if (r.add() && r.address().isIPv4()) {
            len += 8;
        }
        return len;
    }

    /** IPv6 goes without duplicate address detection (the peer holds it as BACKUP only in name). */
    private static int flags(Request r) {
        int f = r.address().isIPv4() ? 0 : IFA_F_NODAD;
        return r.noPrefixRoute() ? f | IFA_F_NOPREFIXROUTE : f;
    }

    private static void message(ByteBuffer b, Request r, int seq) {
        boolean v4 = r.address().isIPv4();
        int flags = r.add() ? flags(r) : 0;
        // struct nlmsghdr { u32 len; u16 type; u16 flags; u32 seq; u32 pid; }
        b.putInt(length(r));
        b.putShort((short) (r.add() ? RTM_NEWADDR : RTM_DELADDR));
        b.putShort((short) (NLM_F_REQUEST | NLM_F_ACK | (r.add() ? NLM_F_REPLACE | NLM_F_CREATE : 0)));
        b.putInt(seq);
        b.putInt(0);
        // struct ifaddrmsg { u8 family, prefixlen, flags, scope; u32 index; }
        b.put((byte) (v4 ? AF_INET : AF_INET6));
        b.put((byte) r.address().prefixLength());
        b.put((byte) (flags > 0xff ? 0 : flags)); // more than 8 bits go in IFA_FLAGS, as ip does
        b.put((byte) 0);
        b.putInt(r.index());
        byte[] a = r.address().address().getAddress();
        attribute(b, IFA_LOCAL, a);
        if (flags > 0xff) {
            b.putShort((short) 8).putShort((short) IFA_FLAGS).putInt(flags);
        }
        attribute(b, IFA_ADDRESS, a);
        if (r.add() && v4) {
            attribute(b, IFA_BROADCAST, r.address().broadcast().getAddress());
        }
    }

    private static void attribute(ByteBuffer b, int type, byte[] value) {
        b.putShort((short) (4 + value.length)).putShort((short) type).put(value); // 4 or 16 bytes: aligned
    }

    /** Records the errno (0: done) of each ack in one datagram that answers a request of ours. */
    static void acks(ByteBuffer b, int first, int count, Map<Integer, Integer> answers) {
        int at = b.position();
        while (at + 16 <= b.limit()) {
            int len = b.getInt(at);
            int type = b.getShort(at + 4) & 0xffff;
            if (len < 16 || at + len > b.limit()) {
                return;
            }
            if (type == NLMSG_ERROR && len >= 20) {
                // the error is -errno; the echoed header carries our sequence number
                int seq = len >= 36 ? b.getInt(at + 20 + 8) : b.getInt(at + 8);
                if (seq - first >= 0 && seq - first < count) {
                    answers.put(seq, -b.getInt(at + 16));
                }
            }
            at += (len + 3) & ~3;
        }
    }

    static String describe(int errno) {
        return switch (errno) {
            case 1 -> "operation not permitted (EPERM)";
            case 13 -> "permission denied (EACCES)";
            case 17 -> "the address already exists (EEXIST)";
            case ENODEV -> "no such interface (ENODEV)";
            case 22 -> "invalid argument (EINVAL)";
            case 95 -> "not supported (EOPNOTSUPP)";
            case EADDRNOTAVAIL -> "the address is not on the interface (EADDRNOTAVAIL)";
            case 105 -> "no buffer space (ENOBUFS)";
            default -> "errno " + errno;
        };
    }
}
