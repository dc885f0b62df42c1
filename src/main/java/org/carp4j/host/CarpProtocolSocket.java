package org.carp4j.host;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;

/**
 * An IPv4 raw socket for protocol 112 that carpd holds open and never reads. We capture adverts
 * with pcap, but the kernel only sees that nobody on the host speaks protocol 112 and answers
 * every unicast advert (carppeer) with ICMP protocol-unreachable. A raw socket bound to the
 * protocol counts as a listener; its filter drops every packet, so nothing queues on it.
 */
public final class CarpProtocolSocket implements AutoCloseable {
    private static final int AF_INET = 2;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_ATTACH_FILTER = 26;
    private static final int BPF_RET_K = 0x06;

    interface LibC extends Library {
        int socket(int domain, int type, int protocol);

        int setsockopt(int fd, int level, int name, Pointer value, int length);

        int close(int fd);
    }

    private final LibC libc;
    private final int fd;

    private CarpProtocolSocket(LibC libc, int fd) {
        this.libc = libc;
        this.fd = fd;
    }

    public static CarpProtocolSocket open() throws IOException {
        LibC libc;
        try {
            libc = Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("cannot load libc: " + e.getMessage(), e);
        }
        int fd = libc.socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, 112);
        if (fd < 0) {
            throw new IOException("socket(AF_INET, SOCK_RAW, 112): errno " + Native.getLastError());
        }
        // struct sock_filter { u16 code; u8 jt, jf; u32 k; } = { BPF_RET|BPF_K, 0, 0, 0 }: accept 0 bytes
        Memory program = new Memory(8);
        program.clear();
        program.setShort(0, (short) BPF_RET_K);
        // struct sock_fprog { unsigned short len; struct sock_filter *filter; }, pointer-aligned
        Memory fprog = new Memory(2L * Native.POINTER_SIZE);
        fprog.clear();
        fprog.setShort(0, (short) 1);
        fprog.setPointer(Native.POINTER_SIZE, program);
        if (libc.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, (int) fprog.size()) != 0) {
            int errno = Native.getLastError();
            libc.close(fd);
            throw new IOException("SO_ATTACH_FILTER: errno " + errno);
        }
        return new CarpProtocolSocket(libc, fd);
    }

    @Override
    public void close() {
        libc.close(fd);
    }
}
