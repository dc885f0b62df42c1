package org.carp4j.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local user attacking carpd's control port, run by the lab as `nobody` (JDK classes only, so it
 * runs from target/test-classes without the Maven repository):
 * <ul>
 * <li>{@code bind PORT}: tries to bind 127.0.0.1:PORT; prints BOUND (exit 0) or DENIED (exit 3).</li>
 * <li>{@code squat PORT}: binds 127.0.0.1:PORT first, prints LISTENING, then prints what every
 *   client sends it (ACCEPTED, RECEIVED text) until killed.</li>
 * <li>{@code hold PORT N SECONDS}: opens N connections and keeps them, and floods new ones from
 *   four threads for SECONDS; prints HOLDING once the N are open, then how many carpd closed and
 *   how the flood was answered.</li>
 * </ul>
 */
public final class Attacker {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        switch (args[0]) {
            case "bind" -> bind(port);
            case "squat" -> squat(port);
            case "hold" -> hold(port, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static void bind(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            System.out.println("BOUND " + port);
        } catch (IOException e) {
            System.out.println("DENIED " + port + ": " + e.getMessage());
            System.exit(3);
        }
    }

    static void squat(int port) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            System.out.println("LISTENING " + port);
            System.out.flush();
            while (true) {
                try (Socket c = s.accept()) {
                    System.out.println("ACCEPTED " + c.getPort());
                    System.out.flush();
                    c.setSoTimeout(3000);
                    byte[] got = c.getInputStream().readNBytes(4096);
                    System.out.println("RECEIVED " + got.length + " bytes: " + new String(got, StandardCharsets.UTF_8).strip());
                } catch (SocketTimeoutException e) {
                    System.out.println("RECEIVED nothing");
                }
                System.out.flush();
            }
        }
    }

    static void hold(int port, int n, int seconds) throws Exception {
        InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        List<Socket> held = new ArrayList<>();
        int resetAtOnce = 0;
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            try {
                s.connect(to, 2000);
                s.getOutputStream().write('{'); // a request begun and never finished
                held.add(s);
            } catch (java.net.ConnectException e) {
                throw e; // nothing listens: not what this attack is about
            } catch (IOException e) {
                // carpd told this uid from root and reset the connection before we even wrote
                resetAtOnce++;
                s.close();
            }
        }
        System.out.println("HOLDING " + n);
        System.out.flush();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong flood = new AtomicLong();
        AtomicLong deniedAnswers = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                while (!stop.get()) {
                    try (Socket s = new Socket()) {
                        s.connect(to, 2000);
                        s.setSoTimeout(2000);
                        OutputStream out = s.getOutputStream();
                        out.write("{\"v\":1,\"token\":\"".getBytes(StandardCharsets.US_ASCII));
                        byte[] answer = new byte[200];
                        int got = s.getInputStream().read(answer); // one read: a reset follows the answer
                        if (got > 0 && new String(answer, 0, got, StandardCharsets.UTF_8).contains("only root may drive carpd")) {
                            deniedAnswers.incrementAndGet();
                        }
                    } catch (IOException e) {
                        // reset or refused: carpd closed on us, as it should
                    }
                    flood.incrementAndGet();
                }
            });
            th.setDaemon(true);
            th.start();
            threads.add(th);
        }
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread th : threads) {
            th.join(5000);
        }
        int closed = resetAtOnce;
        for (Socket s : held) {
            if (closedByPeer(s)) {
                closed++;
            }
            s.close();
        }
        System.out.printf("held %d, closed by carpd %d; flood %d connections, %d answered 'only root may drive carpd'%n",
                n, closed, flood.get(), deniedAnswers.get());
    }

    private static boolean closedByPeer(Socket s) {
        try {
            s.setSoTimeout(200);
            InputStream in = s.getInputStream();
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }
}
