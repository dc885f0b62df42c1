package org.carp4j.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.List;

/** The commands' side of the control protocol. */
public final class ControlClient {
    /** The daemon's answer while all its connection slots are taken. */
    public static final int BUSY = ExitCode.TEMPFAIL;
    private final Path stateDir;
    private final boolean kernelLookup;

    /** A client for one command: it reads /proc/net/tcp once rather than load JNA for the kernel's lookup. */
    public ControlClient(Path stateDir) {
        this(stateDir, false);
    }

    /**
     * kernelLookup: ask the kernel who holds the control port (sock_diag) instead of reading
     * /proc/net/tcp, which walks the host's whole connection table; worth its set-up in a
     * long-lived client such as carpsh, which asks once per command.
     */
    public ControlClient(Path stateDir, boolean kernelLookup) {
        this.stateDir = stateDir;
        this.kernelLookup = kernelLookup;
    }

    /** The state directory every command and the daemon use: $CARPD_STATE_DIR or /var/lib/carpd. */
    public static Path defaultStateDir() {
        String env = System.getenv("CARPD_STATE_DIR");
        return Path.of(env == null || env.isBlank() ? "/var/lib/carpd" : env);
    }

    /**
     * Sends one request. "Busy" (every connection slot taken, for example by clients that never
     * finish their request) is retried for a few seconds: slots free up within the daemon's 2 s
     * read limit.
     */
    public Protocol.Response call(String op, List<String> args) {
        long give = System.nanoTime() + 5_000_000_000L;
        while (true) {
            Protocol.Response r = once(op, args);
            if (r.exit() != BUSY || System.nanoTime() > give) {
                return r;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r;
            }
        }
    }

    private Protocol.Response once(String op, List<String> args) {
        ControlFile cf;
        try {
            cf = ControlFile.read(stateDir);
        } catch (AccessDeniedException e) {
            return Protocol.Response.error(ExitCode.NOPERM, "permission denied: only root may drive carpd ("
                    + stateDir.resolve(ControlFile.NAME) + ")");
        } catch (IOException e) {
            return Protocol.Response.error(ExitCode.UNAVAILABLE, e.getMessage());
        }
        if (cf == null) {
            return notRunning();
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), cf.port()), 2000);
            InetSocketAddress server = (InetSocketAddress) s.getRemoteSocketAddress();
            InetSocketAddress client = (InetSocketAddress) s.getLocalSocketAddress();
            SockDiag diag = kernelLookup ? PeerCredentials.kernel() : null;
            String impostor;
            try {
                impostor = diag != null ? notCarpd(diag.owner(server, client), server) : notCarpdByTables(server, client);
            } catch (SockDiag.NotAFullSocket e) {
                impostor = notCarpdByTables(server, client); // a half-open or odd answer: the tables decide
            }
            if (impostor != null) {
                return Protocol.Response.error(ExitCode.UNAVAILABLE, impostor);
            }
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write((Protocol.encode(new Protocol.Request(cf.token(), op, args)) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            return line == null ? Protocol.Response.error(ExitCode.UNAVAILABLE, "carpd closed the connection") : Protocol.decodeResponse(line);
        } catch (ConnectException e) {
            return notRunning();
        } catch (IOException e) {
            return Protocol.Response.error(ExitCode.UNAVAILABLE, "cannot talk to carpd: " + e.getMessage());
        }
    }

    /**
     * Why the socket we are connected to may not be carpd's, or null if root owns it. Checked after
     * the connection is made and before the credential is sent: another user who bound the port
     * first (a port above 1024, or carpd stopped) would otherwise receive root's token.
     */
    static String notCarpd(Integer serverEnd, InetSocketAddress server) {
        // the server's end of this connection belongs to whoever listens (an accepted socket
        // inherits its listener's owner), accepted yet or not
        if (serverEnd == null) {
            return "nothing listens on control port " + server.getPort() + " any more; refusing to send the credential";
        }
        if (serverEnd != 0) {
            return "control port " + server.getPort() + " is held by uid " + serverEnd
                    + ", not carpd; refusing to send the credential";
        }
        return null;
    }

    /** The same question answered from /proc/net/tcp, where the kernel's lookup is not available. */
    private static String notCarpdByTables(InetSocketAddress server, InetSocketAddress client) throws IOException {
        String impostor = null;
        // the kernel lists the table in pieces and may skip a line while sockets come and go:
        // a listener not seen is looked for again
        for (int look = 0; look < 3; look++) {
            PeerCredentials.Table owners = PeerCredentials.read();
            impostor = notCarpd(owners, server, client);
            if (impostor == null || !owners.listeners(server).isEmpty()) {
                break;
            }
        }
        return impostor;
    }

    static String notCarpd(PeerCredentials.Table owners, InetSocketAddress server, InetSocketAddress client) {
        List<Integer> listeners = owners.listeners(server);
        Integer accepted = owners.owner(server, client);
        for (Integer uid : accepted == null ? listeners : concat(listeners, accepted)) {
            if (uid != 0) {
                return "control port " + server.getPort() + " is held by uid " + uid
                        + ", not carpd; refusing to send the credential";
            }
        }
        if (listeners.isEmpty()) {
            return "nothing listens on control port " + server.getPort() + " any more; refusing to send the credential";
        }
        return null;
    }

    private static List<Integer> concat(List<Integer> a, Integer b) {
        List<Integer> out = new java.util.ArrayList<>(a);
        out.add(b);
        return out;
    }

    private Protocol.Response notRunning() {
        return Protocol.Response.error(ExitCode.UNAVAILABLE, "carpd is not running (state directory " + stateDir
                + "); start it with: " + System.getProperty("carp4j.carpd", "carpd") + " --state-dir " + stateDir
                + "  (or systemctl start carpd)");
    }
}
