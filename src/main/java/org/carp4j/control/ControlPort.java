package org.carp4j.control;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the control protocol listens. The default is below 1024, where only root can bind, so no
 * other user can take the port before carpd starts and collect root's credential. 112 is CARP's
 * IP protocol number; /etc/services names no service on it, and it lies below 600, out of the
 * range (600-1023) that rpcbind, NFS and other bindresvport() users take reserved ports from.
 */
public final class ControlPort {
    public static final int DEFAULT = 112;
    static final Path UNPRIVILEGED_START = Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start");

    private ControlPort() {
    }

    /**
     * The warning carpd logs when another user could have bound the port (null: none). port is the
     * one asked for; 0 (any free port) gets none, since no one can know it in advance.
     */
    public static Optional<String> warning(int port, int unprivilegedStart) {
        if (port == 0 || port < unprivilegedStart) {
            return Optional.empty();
        }
        if (port < 1024) {
            return Optional.of("net.ipv4.ip_unprivileged_port_start is " + unprivilegedStart
                    + ", so any local user can bind control port " + port
                    + " while carpd is not running; set it back to 1024 (the commands still refuse to send"
                    + " the credential to a port that root does not hold)");
        }
        return Optional.of("control port " + port + " is not below " + unprivilegedStart
                + ": any local user can bind it while carpd is not running (the commands refuse to send the"
                + " credential to a port that root does not hold); the default, " + DEFAULT + ", is safe");
    }

    /** Why carpd cannot serve the port, and what to do about it. */
    public static String cannotListen(int port, IOException e) {
        String why = "cannot listen on 127.0.0.1:" + port + ": " + e.getMessage();
        if (e instanceof java.net.BindException && String.valueOf(e.getMessage()).contains("in use")) {
            return why + " (another process holds it: ss -ltnp 'sport = :" + port + "' names it)";
        }
        if (String.valueOf(e.getMessage()).contains("Permission denied") && port < 1024) {
            return why + " (a port below 1024 needs root with CAP_NET_BIND_SERVICE)";
        }
        return why;
    }

    /** net.ipv4.ip_unprivileged_port_start of this network namespace; 1024, the kernel's default, if unreadable. */
    public static int unprivilegedStart() {
        // one read from offset 0: a sysctl answers a read at any other offset with end of file,
        // and Files.readString of a 0-byte /proc file reads one byte at first
        try (InputStream in = Files.newInputStream(UNPRIVILEGED_START)) {
            return Integer.parseInt(new String(in.readNBytes(32), StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return 1024;
        }
    }
}
