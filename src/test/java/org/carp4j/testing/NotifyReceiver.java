package org.carp4j.testing;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The systemd side of sd_notify for tests: a bound AF_UNIX datagram socket (path or '@'abstract). */
public final class NotifyReceiver implements AutoCloseable {
    interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, Pointer addr, int len) throws LastErrorException;

        int setsockopt(int fd, int level, int name, Pointer value, int len) throws LastErrorException;

        long recv(int fd, byte[] buf, long len, int flags);

        int close(int fd);
    }

    private static final LibC LIBC = Native.load("c", LibC.class);
    private final int fd;
    public final String address;

    private NotifyReceiver(String address) {
        this.address = address;
        byte[] name = (address.startsWith("@") ? "\0" + address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
        Memory sa = new Memory(110);
        sa.clear();
        sa.setShort(0, (short) 1);
        sa.write(2, name, 0, name.length);
        fd = LIBC.socket(1, 2 | 0x80000, 0);
        LIBC.bind(fd, sa, 2 + name.length + (address.startsWith("@") ? 0 : 1));
        Memory tv = new Memory(16); // struct timeval: 200 ms, so receive() can poll with a deadline
        tv.clear();
        tv.setLong(8, 200_000);
        LIBC.setsockopt(fd, 1, 20, tv, 16); // SOL_SOCKET, SO_RCVTIMEO
    }

    public static NotifyReceiver bind(Path path) {
        return new NotifyReceiver(path.toString());
    }

    public static NotifyReceiver abstractName(String name) {
        return new NotifyReceiver("@" + name);
    }

    /** The next datagram, or null if none came within about 200 ms. */
    public String receive() {
        byte[] buf = new byte[4096];
        long n = LIBC.recv(fd, buf, buf.length, 0);
        return n < 0 ? null : new String(buf, 0, (int) n, StandardCharsets.UTF_8);
    }

    /** The next datagram, waiting up to 10 s for it (null if none came). */
    public String await() {
        long end = System.nanoTime() + 10_000_000_000L;
        String m = receive();
        while (m == null && System.nanoTime() < end) {
            m = receive();
        }
        return m;
    }

    @Override
    public void close() {
        LIBC.close(fd);
    }
}
