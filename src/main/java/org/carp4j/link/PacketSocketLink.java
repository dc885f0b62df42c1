package org.carp4j.link;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CARP on a real interface through an AF_PACKET socket: a kernel BPF filter passes only ARP and
 * CARP for the configured vhids ({@link CaptureFilter}), outgoing frames are ignored in the kernel
 * (our own adverts never loop back), and one recvmmsg call reads everything that is waiting (up to
 * {@link #BATCH} frames) into native memory; the frames are copied into a reused
 * {@link FrameBatch} and handed over together, so the daemon wakes once per batch, not per frame.
 *
 * <p>Why not libpcap: pcap4j calls back into Java through JNA for every frame and builds a JNA
 * Structure and a byte[] each time; here a whole batch costs one native call and no per-frame allocation.
 * Why not a PACKET_RX_RING: at CARP's rates recvmmsg already reads a batch per wake-up, in a
 * third of the code (no ring walking, no frame status handshake).
 *
 * <p>Batches come from a small pool: when the daemon has all of them in its queue, the capture
 * thread waits and the kernel's socket buffer absorbs (and past it, drops and counts) the excess,
 * so a flood costs the kernel's drop, not carpd's time. A joined 224.0.0.18 / ff02::12 membership
 * makes real NICs (and IGMP-snooping switches) pass the group without promiscuous mode.
 */
public final class PacketSocketLink implements Link {
    static final int BATCH = 64;
    static final int POOL = 4;
    /** Larger than any Ethernet frame with a 1500-byte payload; a CARP frame is under 120 bytes. */
    static final int SNAPLEN = 1536;
    private static final int RECV_TIMEOUT_MICROS = 100_000;

    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int ETH_P_ALL = 3;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVBUF = 8;
    private static final int SO_RCVTIMEO = 20;
    private static final int SO_ATTACH_FILTER = 26;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_STATISTICS = 6;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int PACKET_OUTGOING = 4;
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_WAITFORONE = 0x10000;

    // struct mmsghdr on LP64: msghdr (56 bytes: name, namelen, iov, iovlen, control, controllen, flags) + msg_len
    private static final int MMSG = 64;
    private static final int MSG_FLAGS = 48;
    private static final int MSG_LEN = 56;
    private static final int IOVEC = 16;
    private static final int SOCKADDR_LL = 20;
    private static final int NAME = 24; // sockaddr_ll, rounded up
    private static final int PKTTYPE = 10;

    /** libc, mapped directly: recvmmsg per batch must not cost reflection. */
    private static final class C {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native int socket(int domain, int type, int protocol) throws LastErrorException;

        static native int bind(int fd, Pointer address, int length) throws LastErrorException;

        static native int setsockopt(int fd, int level, int name, Pointer value, int length) throws LastErrorException;

        static native int getsockopt(int fd, int level, int name, Pointer value, Pointer length) throws LastErrorException;

        static native int recvmmsg(int fd, Pointer messages, int count, int flags, Pointer timeout);

        static native long send(int fd, byte[] frame, long length, int flags) throws LastErrorException;

        static native int close(int fd);

        static native int if_nametoindex(String name);
    }

    private final String device;
    private final int fd;
    private final Receiver receiver;
    private final Memory ring;
    private final ByteBuffer view;
    private final BlockingQueue<FrameBatch> free = new ArrayBlockingQueue<>(POOL);
    private final List<DatagramChannel> memberships = new ArrayList<>();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong kernelDrops = new AtomicLong();
    private final Thread reader;
    private String filter;
    private volatile boolean closed;

    public PacketSocketLink(String device, Receiver receiver) throws IOException {
        this.device = device;
        this.receiver = receiver;
        int index = C.if_nametoindex(device);
        if (index == 0) {
            throw new IOException(device + ": no such interface");
        }
        try {
            // protocol 0: nothing is queued until bind, which comes after the filter
            fd = C.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new IOException(device + ": cannot open a packet socket: " + e.getMessage(), e);
        }
        try {
            attach(CaptureFilter.expression(Set.of()));
            ignoreOutgoing();
            bufferSize(4 << 20);
            intOption(SOL_SOCKET, SO_RCVTIMEO, timeval(RECV_TIMEOUT_MICROS));
            Memory sll = new Memory(SOCKADDR_LL);
            sll.clear();
            sll.setShort(0, (short) AF_PACKET);
            sll.setShort(2, htons(ETH_P_ALL));
            sll.setInt(4, index);
            C.bind(fd, sll, SOCKADDR_LL);
        } catch (LastErrorException | IOException e) {
            C.close(fd);
            throw new IOException(device + ": cannot open for capture: " + e.getMessage(), e);
        }
        ring = new Memory((long) BATCH * (MMSG + IOVEC + NAME + SNAPLEN));
        ring.clear();
        long iovs = (long) BATCH * MMSG;
        long names = iovs + (long) BATCH * IOVEC;
        long data = names + (long) BATCH * NAME;
        for (int i = 0; i < BATCH; i++) {
            long m = (long) i * MMSG;
            ring.setPointer(m, ring.share(names + (long) i * NAME));
            ring.setInt(m + 8, SOCKADDR_LL);
            ring.setPointer(m + 16, ring.share(iovs + (long) i * IOVEC));
            ring.setLong(m + 24, 1);
            ring.setPointer(iovs + (long) i * IOVEC, ring.share(data + (long) i * SNAPLEN));
            ring.setLong(iovs + (long) i * IOVEC + 8, SNAPLEN);
        }
        view = ring.getByteBuffer(0, ring.size()).order(ByteOrder.nativeOrder());
        for (int i = 0; i < POOL; i++) {
            free.add(new FrameBatch(BATCH, SNAPLEN, free));
        }
        join("224.0.0.18", StandardProtocolFamily.INET);
        join("ff02::12", StandardProtocolFamily.INET6);
        reader = new Thread(this::readLoop, "capture-" + device);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Replaces the kernel filter. SO_ATTACH_FILTER swaps the program atomically in the kernel:
     * every frame meets either the old or the new one, none goes unfiltered or is lost in between,
     * so this may run on the loop while the capture thread reads.
     */
    @Override
    public synchronized void vhids(Set<Integer> vhids) throws IOException {
        String expression = CaptureFilter.expression(vhids);
        if (!expression.equals(filter)) {
            attach(expression);
        }
    }

    private void attach(String expression) throws IOException {
        Bpf program = Bpf.compile(expression);
        try {
            C.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, program.fprog(), 2 * Native.POINTER_SIZE);
        } catch (LastErrorException e) {
            throw new IOException(device + ": SO_ATTACH_FILTER: " + e.getMessage(), e);
        }
        filter = expression;
    }

    /** The filter in force, in pcap syntax. */
    public synchronized String filter() {
        return filter;
    }

    private void ignoreOutgoing() {
        try {
            intOption(SOL_PACKET, PACKET_IGNORE_OUTGOING, intValue(1));
        } catch (LastErrorException e) {
            // before Linux 4.20: the reader skips PACKET_OUTGOING frames itself
        }
    }

    private void bufferSize(int bytes) {
        try {
            intOption(SOL_SOCKET, SO_RCVBUFFORCE, intValue(bytes)); // root: past net.core.rmem_max
        } catch (LastErrorException e) {
            intOption(SOL_SOCKET, SO_RCVBUF, intValue(bytes));
        }
    }

    private void intOption(int level, int name, Memory value) {
        C.setsockopt(fd, level, name, value, (int) value.size());
    }

    private static Memory intValue(int v) {
        Memory m = new Memory(4);
        m.setInt(0, v);
        return m;
    }

    private static Memory timeval(int micros) {
        Memory m = new Memory(16);
        m.setLong(0, micros / 1_000_000);
        m.setLong(8, micros % 1_000_000);
        return m;
    }

    private static short htons(int v) {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Short.reverseBytes((short) v) : (short) v;
    }

    private void join(String group, StandardProtocolFamily family) {
        try {
            NetworkInterface nif = NetworkInterface.getByName(device);
            if (nif == null) {
                return;
            }
            DatagramChannel ch = DatagramChannel.open(family);
            ch.join(InetAddress.getByName(group), nif);
            memberships.add(ch);
        } catch (IOException | UnsupportedOperationException e) {
            // IPv6 may be disabled on this interface; IPv4 membership is what matters most
        }
    }

    private void readLoop() {
        while (!closed) {
            try {
                FrameBatch batch = free.poll(RECV_TIMEOUT_MICROS, TimeUnit.MICROSECONDS);
                if (batch == null) {
                    continue; // the daemon holds every batch: let the socket buffer take the excess
                }
                long start = System.nanoTime();
                int n = C.recvmmsg(fd, ring, BATCH, MSG_WAITFORONE, null);
                if (n <= 0) {
                    free.offer(batch);
                    if (n < 0 && System.nanoTime() - start < 1_000_000 && !closed) {
                        Thread.sleep(100); // an error, not the receive timeout: the interface is flapping
                    }
                    continue;
                }
                fill(batch, n);
                if (batch.size() == 0) {
                    free.offer(batch);
                    continue;
                }
                delivered.addAndGet(batch.size());
                receiver.frames(device, batch);
            } catch (InterruptedException e) {
                return;
            } catch (OutOfMemoryError e) {
                throw e; // the process ends (-XX:+ExitOnOutOfMemoryError); no half-alive capture
            } catch (Throwable e) {
                // any other failure, even an Error, must not end the capture: no adverts in, no election
                System.err.println("time=" + java.time.Instant.now() + " level=error event=internal msg=\""
                        + device + ": capture: " + e + "\"");
            }
        }
    }

    private void fill(FrameBatch batch, int n) {
        long data = (long) BATCH * (MMSG + IOVEC + NAME);
        for (int i = 0; i < n; i++) {
            int m = i * MMSG;
            int len = view.getInt(m + MSG_LEN);
            if ((view.getInt(m + MSG_FLAGS) & MSG_TRUNC) != 0 || len > SNAPLEN) {
                continue; // larger than any CARP or ARP frame
            }
            if ((view.get((int) (BATCH * (MMSG + IOVEC)) + i * NAME + PKTTYPE) & 0xff) == PACKET_OUTGOING) {
                continue;
            }
            view.get((int) data + i * SNAPLEN, batch.next(), 0, len);
            batch.add(len);
        }
    }

    @Override
    public void send(byte[] frame) throws IOException {
        try {
            C.send(fd, frame, frame.length, 0);
        } catch (LastErrorException e) {
            throw new IOException(device + ": send failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long delivered() {
        return delivered.get();
    }

    /** Reading PACKET_STATISTICS resets the kernel's counters, so they are summed here. */
    @Override
    public synchronized long kernelDrops() {
        if (!closed) {
            Memory stats = new Memory(8); // struct tpacket_stats { unsigned packets, drops; }
            Memory len = new Memory(4);
            len.setInt(0, 8);
            try {
                C.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, stats, len);
                kernelDrops.addAndGet(stats.getInt(4) & 0xffffffffL);
            } catch (LastErrorException e) {
                // the socket is closing
            }
        }
        return kernelDrops.get();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            reader.join(1000); // the receive timeout wakes it within 100 ms
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        C.close(fd);
        for (DatagramChannel ch : memberships) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing a membership cannot fail in a way that matters
            }
        }
    }
}
