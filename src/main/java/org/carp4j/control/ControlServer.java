package org.carp4j.control;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * Serves the control protocol on 127.0.0.1. Each connection carries one request. A connection from
 * a socket that root does not own is refused as soon as it is accepted, before it can take a slot,
 * so other users can neither drive the daemon nor lock root out by holding connections.
 * Unauthenticated, malformed, oversized or slow requests are refused without reaching the daemon's
 * state; at most {@value #MAX_CLIENTS} root connections are served at once.
 */
public final class ControlServer implements AutoCloseable {
    static final int MAX_CLIENTS = 16;
    static final int READ_TIMEOUT_MS = 2000;
    /** Connections accepted before one look at /proc/net/tcp decides for all of them. */
    static final int BATCH = 256;
    static final String NOT_ROOT = "permission denied: only root may drive carpd";

    private final ServerSocketChannel socket;
    private final byte[] token;
    private final Function<Protocol.Request, Protocol.Response> handler;
    private final ExecutorService workers = Executors.newFixedThreadPool(MAX_CLIENTS, r -> {
        Thread t = new Thread(r, "control");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore slots = new Semaphore(MAX_CLIENTS);
    private final Thread acceptor;
    private volatile boolean closed;

    public ControlServer(int port, String token, Function<Protocol.Request, Protocol.Response> handler)
            throws IOException {
        this.token = token.getBytes(StandardCharsets.US_ASCII);
        this.handler = handler;
        this.socket = ServerSocketChannel.open();
        socket.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        // a deep queue: a flood of other users' connections must not crowd out root's
        try {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        acceptor = new Thread(this::acceptLoop, "control-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return socket.socket().getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                List<Socket> batch = acceptBatch();
                Map<Socket, Integer> owners = owners(batch);
                for (Socket s : batch) {
                    dispatch(s, owners.get(s));
                }
            } catch (OutOfMemoryError e) {
                throw e;
            } catch (Throwable e) {
                if (closed) {
                    return;
                }
                // one bad connection must not end the accepting; a failing accept (no file
                // descriptors left, a worker thread that could not start) is tried again after a
                // pause, not in a spin
                if (!(e instanceof IOException)) {
                    System.err.println("time=" + java.time.Instant.now() + " level=error event=internal msg=\"control: "
                            + e.toString().replace("\"", "'") + "\"");
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /**
     * The uid owning each client's socket, asked of the kernel by the connection's ends (sock_diag),
     * or, where that is not available, read from /proc/net/tcp after every accept of the batch: each
     * client socket is in the table by then, and none of their (address, port) pairs can be reused
     * while we hold the other end. The kernel lists that table in pieces, and a socket can be skipped
     * while others come and go, so one that is missing is looked for again before it is refused.
     */
    private static Map<Socket, Integer> owners(List<Socket> batch) {
        Map<Socket, Integer> owners = new HashMap<>();
        SockDiag diag = PeerCredentials.kernel();
        if (diag != null) {
            try {
                for (Socket s : batch) {
                    if (s.getRemoteSocketAddress() instanceof InetSocketAddress peer
                            && s.getLocalSocketAddress() instanceof InetSocketAddress us) {
                        Integer uid = diag.owner(peer, us);
                        if (uid != null) {
                            owners.put(s, uid);
                        }
                    }
                }
                return owners;
            } catch (IOException e) {
                owners.clear(); // the tables answer instead
            }
        }
        for (int look = 0; look < 3 && owners.size() < batch.size(); look++) {
            PeerCredentials.Table table = table();
            for (Socket s : batch) {
                if (!owners.containsKey(s) && s.getRemoteSocketAddress() instanceof InetSocketAddress peer
                        && s.getLocalSocketAddress() instanceof InetSocketAddress us) {
                    Integer uid = table.owner(peer, us);
                    if (uid != null) {
                        owners.put(s, uid);
                    }
                }
            }
        }
        return owners;
    }

    /** One blocking accept, then whatever else is already waiting (up to BATCH). */
    private List<Socket> acceptBatch() throws IOException {
        List<Socket> batch = new ArrayList<>();
        batch.add(socket.accept().socket());
        socket.configureBlocking(false);
        try {
            for (SocketChannel c; batch.size() < BATCH && (c = socket.accept()) != null; ) {
                batch.add(c.socket());
            }
        } finally {
            socket.configureBlocking(true);
        }
        return batch;
    }

    private static PeerCredentials.Table table() {
        try {
            return PeerCredentials.read();
        } catch (IOException e) {
            return new PeerCredentials.Table(List.of()); // no one can be told apart: no one is served
        }
    }

    /** uid: the owner of the client's socket, null if it could not be found (then it is refused). */
    private void dispatch(Socket s, Integer uid) {
        if (uid == null || uid != 0) {
            // a reset: nothing of it lingers in TIME_WAIT to lengthen the table
            refuse(s, Protocol.Response.error(ExitCode.NOPERM, NOT_ROOT), true);
            return;
        }
        if (!slots.tryAcquire()) {
            // a plain close, so root's client still writes its request and reads this answer, and retries
            refuse(s, Protocol.Response.error(ControlClient.BUSY, "carpd is busy, try again"), false);
            return;
        }
        try {
            workers.execute(() -> {
                try (s) {
                    serve(s);
                } catch (IOException e) {
                    // the client went away; nothing was applied for it
                } catch (RuntimeException | StackOverflowError | AssertionError e) {
                    reply(s, Protocol.Response.error(ExitCode.SOFTWARE, "internal error: " + e.getClass().getSimpleName()));
                } finally {
                    slots.release();
                }
            });
        } catch (RuntimeException e) {
            slots.release(); // the worker never ran: give its slot back
            refuse(s, Protocol.Response.error(ControlClient.BUSY, "carpd is busy, try again"), false);
        }
    }

    /** Answers and closes at once. */
    private static void refuse(Socket s, Protocol.Response why, boolean reset) {
        try (s) {
            reply(s, why);
            if (reset) {
                s.setSoLinger(true, 0);
            }
        } catch (IOException e) {
            // gone already
        }
    }

    private void serve(Socket s) throws IOException {
        s.setSoTimeout(READ_TIMEOUT_MS);
        long deadline = System.nanoTime() + READ_TIMEOUT_MS * 1_000_000L;
        String line;
        try {
            line = readLine(s.getInputStream(), deadline);
        } catch (SocketTimeoutException e) {
            reply(s, Protocol.Response.error(ExitCode.PROTOCOL, "request timed out"));
            return;
        }
        if (line == null) {
            reply(s, Protocol.Response.error(ExitCode.PROTOCOL, "request too long or incomplete"));
            return;
        }
        Protocol.Request req;
        try {
            req = Protocol.decodeRequest(line);
        } catch (IllegalArgumentException e) {
            reply(s, Protocol.Response.error(ExitCode.PROTOCOL, e.getMessage()));
            return;
        }
        if (!MessageDigest.isEqual(token, req.token().getBytes(StandardCharsets.US_ASCII))) {
            reply(s, Protocol.Response.error(ExitCode.NOPERM, "permission denied: bad control credential"));
            return;
        }
        if (!Protocol.OPS.contains(req.op())) {
            reply(s, Protocol.Response.error(ExitCode.PROTOCOL, "unknown op " + req.op()));
            return;
        }
        reply(s, handler.apply(req));
    }

    /** One line of at most MAX_LINE bytes, read within the deadline; null if longer or cut off. */
    private static String readLine(InputStream in, long deadline) throws IOException {
        byte[] buf = new byte[4096];
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        while (true) {
            if (System.nanoTime() > deadline) {
                throw new SocketTimeoutException();
            }
            int n = in.read(buf);
            if (n < 0) {
                return null;
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    line.write(buf, 0, i);
                    return line.toString(StandardCharsets.UTF_8);
                }
            }
            line.write(buf, 0, n);
            if (line.size() > Protocol.MAX_LINE) {
                return null;
            }
        }
    }

    private static void reply(Socket s, Protocol.Response r) {
        try {
            OutputStream out = new BufferedOutputStream(s.getOutputStream());
            out.write((Protocol.encode(r) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // client gone
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
        workers.shutdownNow();
    }
}
