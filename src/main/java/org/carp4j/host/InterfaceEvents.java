package org.carp4j.host;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The kernel's own news of interfaces and their addresses (rtnetlink groups link, IPv4 and IPv6
 * address), so carpd learns when it happens, without polling, that a carpdev lost its carrier or
 * got an address, or that a carp interface or one of its addresses was deleted. One thread reads the socket; each interface and kind of change named in a message is handed on at
 * most once until the receiver has taken it (a burst of changes costs one look per interface). If the kernel
 * dropped messages (the socket overflowed), the receiver is told with null: read everything again.
 */
public final class InterfaceEvents implements AutoCloseable {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_ROUTE = 0;
    private static final int RTMGRP_LINK = 0x1;
    private static final int RTMGRP_IPV4_IFADDR = 0x10;
    private static final int RTMGRP_IPV6_IFADDR = 0x100;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVBUF = 8;
    private static final int SO_RCVTIMEO = 20;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int ENOBUFS = 105;

    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int RTM_NEWADDR = 20;
    static final int RTM_DELADDR = 21;
    static final int IFLA_IFNAME = 3;
    static final int RESUBSCRIBE_LIMIT = 5;

    interface LibC extends Library {
        int socket(int domain, int type, int protocol);

        int bind(int fd, Pointer address, int length);

        int setsockopt(int fd, int level, int name, Pointer value, int length);

        long recv(int fd, Pointer buffer, long length, int flags);

        int close(int fd);

        Pointer if_indextoname(int index, byte[] name);
    }

    /** What a message says happened to an interface. */
    public enum Kind {
        LINK, LINK_REMOVED, ADDRESS_ADDED, ADDRESS_REMOVED
    }

    /** Told on the receiver's thread: an interface and what happened; (null, null) after lost news. */
    public interface Receiver {
        void changed(String name, Kind kind);
    }

    /** What one message is about: an interface by index, and by name where the message says it. */
    record Change(int index, String name, Kind kind) {
    }

    private final LibC libc;
    private final int fd;
    private final Receiver receiver;
    private final Consumer<Runnable> deliver;
    private final Consumer<String> problem;
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private InterfaceEvents(LibC libc, int fd, Consumer<Runnable> deliver, Receiver receiver,
                            Consumer<String> problem) {
        this.libc = libc;
        this.fd = fd;
        this.deliver = deliver;
        this.receiver = receiver;
        this.problem = problem;
    }

    /**
     * Subscribes and starts the reading thread. deliver runs a task where the receiver lives (the
     * event loop); receiver gets an interface name and what happened, or nulls after lost messages; problem gets a
     * sentence when reading fails for good.
     */
    public static InterfaceEvents start(Consumer<Runnable> deliver, Receiver receiver,
                                        Consumer<String> problem) throws IOException {
        LibC libc;
        try {
            libc = Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("cannot load libc: " + e.getMessage(), e);
        }
        InterfaceEvents events = new InterfaceEvents(libc, subscribe(libc), deliver, receiver, problem);
        Thread t = new Thread(events::read, "interface-events");
        t.setDaemon(true);
        t.start();
        return events;
    }

    /** A netlink socket in the link and address groups; recv wakes every second. */
    private static int subscribe(LibC libc) throws IOException {
        int fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) {
            throw new IOException("socket(AF_NETLINK, NETLINK_ROUTE): errno " + Native.getLastError());
        }
        // struct sockaddr_nl { u16 family; u16 pad; u32 pid; u32 groups; }
        Memory sa = new Memory(12);
        sa.clear();
        sa.setShort(0, (short) AF_NETLINK);
        sa.setInt(8, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR);
        Memory rcvbuf = new Memory(4);
        rcvbuf.setInt(0, 1 << 20);
        // struct timeval { long sec; long usec; }: recv wakes every second to see whether we closed
        Memory timeout = new Memory(2L * Native.LONG_SIZE);
        timeout.clear();
        if (Native.LONG_SIZE == 8) {
            timeout.setLong(0, 1);
        } else {
            timeout.setInt(0, 1);
        }
        if (libc.bind(fd, sa, 12) != 0
                || libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, (int) timeout.size()) != 0) {
            int errno = Native.getLastError();
            libc.close(fd);
            throw new IOException("rtnetlink subscribe: errno " + errno);
        }
        libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, 4); // best effort: a bigger burst fits
        return fd;
    }

    /**
     * Reads until closed. A socket that fails is replaced, at most {@link #RESUBSCRIBE_LIMIT} times
     * in a row a second apart, and everything is read again since news may have been missed.
     */
    private void read() {
        Memory buf = new Memory(64 * 1024);
        int fd = this.fd;
        int failures = 0;
        try {
            while (!closed) {
                long n = libc.recv(fd, buf, buf.size(), 0);
                if (n < 0) {
                    int errno = Native.getLastError();
                    if (errno == EAGAIN || errno == EINTR) {
                        continue;
                    }
                    if (errno == ENOBUFS) {
                        hand(null, null); // the kernel dropped news: only a full read is right now
                        continue;
                    }
                    libc.close(fd);
                    fd = -1;
                    if (++failures > RESUBSCRIBE_LIMIT) {
                        problem.accept("rtnetlink recv: errno " + errno + "; gave up after " + RESUBSCRIBE_LIMIT
                                + " new sockets; carriers, deleted carp interfaces and VIPs are seen by the slow safety poll only");
                        return;
                    }
                    Thread.sleep(1000);
                    fd = subscribe(libc);
                    hand(null, null);
                    continue;
                }
                failures = 0;
                for (Change c : parse(buf.getByteBuffer(0, n).order(ByteOrder.nativeOrder()))) {
                    String name = c.name() != null ? c.name() : nameOf(c.index());
                    if (name != null) {
                        hand(name, c.kind());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            problem.accept("interface events: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (fd >= 0) {
                libc.close(fd);
            }
        }
    }

    /**
     * The interface's name by index from the kernel (SIOCGIFNAME). Not Java's NetworkInterface:
     * it lists only interfaces holding an address, and a carp interface whose VIP was just
     * deleted may hold none.
     */
    private String nameOf(int index) {
        byte[] name = new byte[16]; // IF_NAMESIZE
        if (libc.if_indextoname(index, name) == null) {
            return null;
        }
        int n = 0;
        while (n < name.length && name[n] != 0) {
            n++;
        }
        return new String(name, 0, n, StandardCharsets.UTF_8);
    }

    /** At most one task per interface and kind waits in the receiver's queue (null stands for "all"). */
    private void hand(String name, Kind kind) {
        String key = name == null ? "" : name + "/" + kind;
        if (queued.add(key)) {
            deliver.accept(() -> {
                queued.remove(key);
                receiver.changed(name, kind);
            });
        }
    }

    /**
     * The interfaces that the link and address messages in one datagram are about. Pure, for tests;
     * the buffer is in native byte order.
     */
    static List<Change> parse(ByteBuffer b) {
        List<Change> out = new ArrayList<>();
        int at = b.position();
        while (at + 16 <= b.limit()) {
            int len = b.getInt(at);
            int type = b.getShort(at + 4) & 0xffff;
            if (len < 16 || at + len > b.limit()) {
                break;
            }
            if ((type == RTM_NEWADDR || type == RTM_DELADDR) && len >= 24) {
                // struct ifaddrmsg { u8 family, prefixlen, flags, scope; u32 index; }
                out.add(new Change(b.getInt(at + 20), null,
                        type == RTM_NEWADDR ? Kind.ADDRESS_ADDED : Kind.ADDRESS_REMOVED));
            } else if ((type == RTM_NEWLINK || type == RTM_DELLINK) && len >= 32) {
                // struct ifinfomsg { u8 family, pad; u16 type; i32 index; u32 flags, change; } then attributes
                out.add(new Change(b.getInt(at + 20), linkName(b, at + 32, at + len),
                        type == RTM_NEWLINK ? Kind.LINK : Kind.LINK_REMOVED));
            }
            at += (len + 3) & ~3;
        }
        return out;
    }

    private static String linkName(ByteBuffer b, int from, int end) {
        int a = from;
        while (a + 4 <= end) {
            int len = b.getShort(a) & 0xffff;
            int type = b.getShort(a + 2) & 0x3fff;
            if (len < 4 || a + len > end) {
                return null;
            }
            if (type == IFLA_IFNAME) {
                int n = 0;
                while (n < len - 4 && b.get(a + 4 + n) != 0) {
                    n++;
                }
                byte[] name = new byte[n];
                b.get(a + 4, name);
                return new String(name, StandardCharsets.UTF_8);
            }
            a += (len + 3) & ~3;
        }
        return null;
    }

    /** The thread ends within a second; the socket is closed by it. */
    @Override
    public void close() {
        closed = true;
    }
}
