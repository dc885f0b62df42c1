package org.carp4j.daemon;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.File;
import java.io.IOException;

/**
 * The pipe that tells the guard carpd is gone: carpd holds the write end and never writes, the
 * guard reads the other end as its standard input and gets end-of-file when carpd's last
 * descriptor on it closes. The write end is moved to a high descriptor number because an exiting
 * process's files are released highest number first and a packet socket's release waits for an
 * RCU grace period: below carpd's pcap sockets, the end-of-file came ~40 ms after the kill;
 * above them, a few milliseconds.
 */
final class DeathPipe implements AutoCloseable {
    private static final int O_CLOEXEC = 0x80000;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int RLIMIT_NOFILE = 7;
    /** Far above any descriptor carpd opens, and below the limit. */
    private static final int HIGH = 1000;

    interface LibC extends Library {
        int pipe2(int[] fds, int flags);

        int fcntl(int fd, int cmd, int arg);

        int getrlimit(int resource, Memory limits);

        int close(int fd);
    }

    private final LibC libc;
    private final int readEnd;
    private int writeEnd;

    private DeathPipe(LibC libc, int readEnd, int writeEnd) {
        this.libc = libc;
        this.readEnd = readEnd;
        this.writeEnd = writeEnd;
    }

    static DeathPipe open() throws IOException {
        LibC libc;
        try {
            libc = Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("cannot load libc: " + e.getMessage(), e);
        }
        int[] fds = new int[2];
        if (libc.pipe2(fds, O_CLOEXEC) != 0) {
            throw new IOException("pipe2: errno " + Native.getLastError());
        }
        Memory limits = new Memory(16); // struct rlimit { rlim_t cur, max; }
        long soft = libc.getrlimit(RLIMIT_NOFILE, limits) == 0 ? limits.getLong(0) : 1024;
        int high = libc.fcntl(fds[1], F_DUPFD_CLOEXEC, (int) Math.min(HIGH, soft / 2));
        if (high < 0) {
            int errno = Native.getLastError();
            libc.close(fds[0]);
            libc.close(fds[1]);
            throw new IOException("fcntl(F_DUPFD_CLOEXEC): errno " + errno);
        }
        libc.close(fds[1]);
        return new DeathPipe(libc, fds[0], high);
    }

    /** The read end, for ProcessBuilder.redirectInput (the JVM opens it again through /proc). */
    File readEnd() {
        return new File("/proc/self/fd/" + readEnd);
    }

    /** Once the guard has its copy of the read end, carpd keeps only the write end. */
    void closeReadEnd() {
        libc.close(readEnd);
    }

    /** End-of-file for the guard. */
    @Override
    public synchronized void close() {
        if (writeEnd >= 0) {
            libc.close(writeEnd);
            writeEnd = -1;
        }
    }
}
