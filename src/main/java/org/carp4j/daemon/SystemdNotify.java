package org.carp4j.daemon;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (a path, or an abstract name
 * when it starts with '@'). Java has no datagram Unix sockets, so this goes through libc by JNA.
 * Without NOTIFY_SOCKET (not started by systemd, or Type= not notify) every call does nothing.
 */
final class SystemdNotify {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SUN_PATH_MAX = 108;

    interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        long sendto(int fd, byte[] buf, long len, int flags, Pointer addr, int addrlen) throws LastErrorException;

        int close(int fd);
    }

    /** Loaded on first use, so a carpd without systemd never touches libc for this. */
    private static final class Libc {
        static final LibC INSTANCE = Native.load("c", LibC.class);
    }

    private final String socket;
    private final long watchdogMicros;

    SystemdNotify(String socket, long watchdogMicros) {
        this.socket = socket == null || socket.isEmpty() ? null : socket;
        this.watchdogMicros = watchdogMicros;
    }

    /** From NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, as systemd sets them. */
    static SystemdNotify fromEnvironment(Map<String, String> env) {
        long usec = 0;
        String pid = env.get("WATCHDOG_PID");
        if (pid == null || pid.equals(Long.toString(ProcessHandle.current().pid()))) {
            try {
                usec = Long.parseLong(env.getOrDefault("WATCHDOG_USEC", "0"));
            } catch (NumberFormatException e) {
                usec = 0;
            }
        }
        return new SystemdNotify(env.get("NOTIFY_SOCKET"), usec);
    }

    boolean enabled() {
        return socket != null;
    }

    /** How often to ping the watchdog (half its timeout, as sd_watchdog_enabled(3) advises); 0 if off. */
    long watchdogIntervalMillis() {
        return socket == null || watchdogMicros <= 0 ? 0 : Math.max(1, TimeUnit.MICROSECONDS.toMillis(watchdogMicros) / 2);
    }

    /** Sends "READY=1", "WATCHDOG=1", "STOPPING=1", ...; false (and nothing else) if it could not. */
    boolean send(String state) {
        if (socket == null) {
            return false;
        }
        byte[] name = (socket.startsWith("@") ? "\0" + socket.substring(1) : socket).getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_MAX) {
            return false;
        }
        // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }; an abstract name has no NUL
        Memory addr = new Memory(2 + SUN_PATH_MAX);
        addr.clear();
        addr.setShort(0, (short) AF_UNIX);
        addr.write(2, name, 0, name.length);
        int len = 2 + name.length + (socket.startsWith("@") ? 0 : 1);
        byte[] msg = state.getBytes(StandardCharsets.UTF_8);
        try {
            LibC libc = Libc.INSTANCE;
            int fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            try {
                return libc.sendto(fd, msg, msg.length, MSG_NOSIGNAL, addr, len) == msg.length;
            } finally {
                libc.close(fd);
            }
        } catch (LastErrorException | UnsatisfiedLinkError | ExceptionInInitializerError e) {
            return false;
        }
    }
}
