package org.carp4j.control;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * Serves the control protocol on 127.0.0.1. Each connection carries one request. Unauthenticated,
 * malformed, oversized or slow requests are refused without reaching the daemon's state; at most
 * {@value #MAX_CLIENTS} connections are served at once so a flood cannot exhaust the daemon.
 */
public final class ControlServer implements AutoCloseable {
    static final int MAX_CLIENTS = 16;
    static final int READ_TIMEOUT_MS = 2000;

    private final ServerSocket socket;
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
        this.socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        acceptor = new Thread(this::acceptLoop, "control-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = socket.accept();
                if (!slots.tryAcquire()) {
                    reply(s, Protocol.Response.error(ControlClient.BUSY, "carpd is busy, try again"));
                    s.close();
                    continue;
                }
                try {
                    workers.execute(() -> {
                        try (s) {
                            serve(s);
                        } catch (IOException e) {
                            // the client went away; nothing was applied for it
                        } catch (RuntimeException | Error e) {
                            if (e instanceof OutOfMemoryError) {
                                throw e;
                            }
                            reply(s, Protocol.Response.error(70, "internal error: " + e.getClass().getSimpleName()));
                        } finally {
                            slots.release();
                        }
                    });
                } catch (RuntimeException e) {
                    slots.release(); // the worker never ran: give its slot back
                    s.close();
                    throw e;
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            } catch (OutOfMemoryError e) {
                throw e;
            } catch (Throwable e) {
                // e.g. a worker thread that could not start: refuse this one, keep accepting
                if (closed) {
                    return;
                }
                System.err.println("time=" + java.time.Instant.now() + " level=error event=internal msg=\"control: "
                        + e.toString().replace("\"", "'") + "\"");
            }
        }
    }

    private void serve(Socket s) throws IOException {
        s.setSoTimeout(READ_TIMEOUT_MS);
        long deadline = System.nanoTime() + READ_TIMEOUT_MS * 1_000_000L;
        String line;
        try {
            line = readLine(s.getInputStream(), deadline);
        } catch (SocketTimeoutException e) {
            reply(s, Protocol.Response.error(2, "request timed out"));
            return;
        }
        if (line == null) {
            reply(s, Protocol.Response.error(2, "request too long or incomplete"));
            return;
        }
        Protocol.Request req;
        try {
            req = Protocol.decodeRequest(line);
        } catch (IllegalArgumentException e) {
            reply(s, Protocol.Response.error(2, e.getMessage()));
            return;
        }
        if (!MessageDigest.isEqual(token, req.token().getBytes(StandardCharsets.US_ASCII))) {
            reply(s, Protocol.Response.error(77, "permission denied: bad control credential"));
            return;
        }
        if (!Protocol.OPS.contains(req.op())) {
            reply(s, Protocol.Response.error(2, "unknown op " + req.op()));
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
