package org.carp4j.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Who owns a loopback TCP socket: the uid column of /proc/net/tcp and /proc/net/tcp6. Both ends of
 * a connection on 127.0.0.1 are in the same network namespace, so the daemon can tell a root client
 * from any other, and a client can tell whether the listener on the control port is root's.
 * The parsing is pure; {@link #read()} is the one place that touches /proc. Where the kernel
 * answers exact lookups ({@link SockDiag}), the daemon and carpsh ask it instead.
 */
public final class PeerCredentials {
    /** Socket states in which a line stands for a live socket with an owner (not a TIME_WAIT or a half-open request). */
    private static final Set<String> LIVE = Set.of("01", "02", "04", "05", "07", "08", "09", "0B");
    private static final String LISTEN = "0A";
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

    /** One line of the tables: local and remote end, state (hex as the kernel prints it) and owner. */
    public record Socket(InetSocketAddress local, InetSocketAddress remote, String state, int uid) {
        boolean listening() {
            return state.equals(LISTEN);
        }
    }

    /** A snapshot of every TCP socket of this network namespace. */
    public record Table(List<Socket> sockets) {
        public Table {
            sockets = List.copyOf(sockets);
        }

        /** The owner of the live socket whose ends are exactly local and remote; null if there is none. */
        public Integer owner(InetSocketAddress local, InetSocketAddress remote) {
            for (Socket s : sockets) {
                if (LIVE.contains(s.state()) && same(s.local(), local) && same(s.remote(), remote)) {
                    return s.uid();
                }
            }
            return null;
        }

        /** Owners of the listening sockets that take connections to target (bound to it, or to a wildcard). */
        public List<Integer> listeners(InetSocketAddress target) {
            List<Integer> out = new ArrayList<>();
            for (Socket s : sockets) {
                if (s.listening() && s.local().getPort() == target.getPort()
                        && (s.local().getAddress().isAnyLocalAddress() || s.local().getAddress().equals(target.getAddress()))) {
                    out.add(s.uid());
                }
            }
            return out;
        }
    }

    private PeerCredentials() {
    }

    private static SockDiag diag;
    private static boolean diagTried;

    /**
     * The kernel's exact lookup, opened once per process; null where it cannot be had (no JNA,
     * no sock_diag in this kernel), and then callers read the tables.
     */
    static synchronized SockDiag kernel() {
        if (!diagTried) {
            diagTried = true;
            try {
                diag = SockDiag.open();
            } catch (IOException | RuntimeException | LinkageError e) {
                diag = null;
            }
        }
        return diag;
    }

    /** Reads /proc/net/tcp and /proc/net/tcp6 (a kernel without IPv6 has no tcp6). */
    public static Table read() throws IOException {
        List<Socket> all = new ArrayList<>();
        for (Path p : TABLES) {
            try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.US_ASCII)) {
                all.addAll(parse(r.lines().toList(), ByteOrder.nativeOrder()));
            } catch (NoSuchFileException e) {
                // no IPv6 in this kernel
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        return new Table(all);
    }

    /**
     * Parses the lines of /proc/net/tcp or tcp6 (the header line is skipped). Addresses are printed
     * as 32-bit words in the host's byte order, so that order is a parameter.
     */
    public static List<Socket> parse(List<String> lines, ByteOrder order) {
        List<Socket> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 8 || !f[0].endsWith(":") || f[0].equals("sl")) {
                continue;
            }
            try {
                out.add(new Socket(endpoint(f[1], order), endpoint(f[2], order), f[3], Integer.parseInt(f[7])));
            } catch (IllegalArgumentException e) {
                // a line we do not understand is no one's
            }
        }
        return out;
    }

    /** "0100007F:1BC8" or 32 hex digits and a port. */
    static InetSocketAddress endpoint(String s, ByteOrder order) {
        int colon = s.indexOf(':');
        String hex = s.substring(0, colon);
        if (hex.length() != 8 && hex.length() != 32) {
            throw new IllegalArgumentException("address " + hex);
        }
        byte[] b = new byte[hex.length() / 2];
        for (int w = 0; w < hex.length() / 8; w++) {
            long word = Long.parseLong(hex.substring(w * 8, w * 8 + 8), 16);
            for (int i = 0; i < 4; i++) {
                int shift = order == ByteOrder.LITTLE_ENDIAN ? 8 * i : 8 * (3 - i);
                b[w * 4 + i] = (byte) (word >>> shift);
            }
        }
        try {
            // an IPv4-mapped IPv6 address (a dual-stack Java socket) comes back as the IPv4 address
            return new InetSocketAddress(InetAddress.getByAddress(b), Integer.parseInt(s.substring(colon + 1), 16));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static boolean same(InetSocketAddress a, InetSocketAddress b) {
        return a.getPort() == b.getPort() && a.getAddress().equals(b.getAddress());
    }

}
