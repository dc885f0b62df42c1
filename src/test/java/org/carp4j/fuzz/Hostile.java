package org.carp4j.fuzz;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.carp4j.config.StateFile;
import org.carp4j.control.ControlClient;
import org.carp4j.control.ControlFile;
import org.carp4j.control.Protocol;

/**
 * Hostile clients of a live carpd, run inside a lab namespace by the hardening tests:
 * <ul>
 * <li>{@code abuse STATE_DIR SECONDS}: garbage, huge lines, slow and unauthenticated clients, many
 *   at once, while an honest client keeps working; the saved file must not change.</li>
 * <li>{@code stream STATE_DIR}: for each start index on standard input, applies a deterministic
 *   stream of changes from there, printing "ACK i" after each acknowledged one, until one fails
 *   ("FAIL i exit n: message"; the kill -9 torture).</li>
 * <li>{@code replay IFACE PCAP}: sends every frame of a capture again, as captured.</li>
 * </ul>
 * Prints one summary line; exits non-zero with a reason on the first violation.
 */
public final class Hostile {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "abuse" -> abuse(dir, Integer.parseInt(args[2]));
            case "stream" -> stream(dir);
            case "replay" -> replay(args[1], Path.of(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static void fail(String why) {
        System.out.println("VIOLATION " + why);
        System.exit(1);
    }

    // ------------------------------------------------------------------ abuse

    static void abuse(Path dir, int seconds) throws Exception {
        ControlFile cf = ControlFile.read(dir);
        Path file = dir.resolve(StateFile.NAME);
        byte[] before = Files.readAllBytes(file);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong established = new AtomicLong(); // connects that succeeded: only these are hostile connections
        AtomicLong failedConnects = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 24; t++) {
            int kind = t % 6;
            long seed = t;
            Thread th = new Thread(() -> {
                Random r = new Random(seed);
                while (!stop.get()) {
                    Socket s = new Socket();
                    try {
                        s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), cf.port()), 3000);
                    } catch (Exception e) {
                        failedConnects.incrementAndGet();
                        closeQuietly(s);
                        continue;
                    }
                    established.incrementAndGet();
                    try (s) {
                        s.setSoTimeout(3000);
                        OutputStream out = s.getOutputStream();
                        switch (kind) {
                            case 0 -> { // random bytes
                                byte[] b = new byte[r.nextInt(512)];
                                r.nextBytes(b);
                                out.write(b);
                                out.write('\n');
                            }
                            case 1 -> { // a line far over the limit
                                byte[] b = new byte[200_000];
                                Arrays.fill(b, (byte) 'a');
                                out.write(b);
                            }
                            case 2 -> { // slow: one byte at a time
                                for (byte b : "{\"v\":1,\"token\":\"".getBytes(StandardCharsets.US_ASCII)) {
                                    out.write(b);
                                    out.flush();
                                    Thread.sleep(300);
                                }
                            }
                            case 3 -> out.write(("{\"v\":1,\"token\":\"" + Long.toHexString(r.nextLong())
                                    + "\",\"op\":\"carpconfig\",\"args\":[\"carp0\",\"destroy\"]}\n").getBytes(StandardCharsets.US_ASCII));
                            case 4 -> out.write(("{\"v\":1,\"token\":\"" + cf.token() + "\",\"op\":\"carpconfig\",\"args\":[1,2]}\n")
                                    .getBytes(StandardCharsets.US_ASCII)); // authenticated, wrong types
                            default -> out.write(("{\"v\":1,\"token\":\"" + cf.token() + "\",\"op\":\"reboot\",\"args\":[]}\n")
                                    .getBytes(StandardCharsets.US_ASCII));
                        }
                        out.flush();
                        s.getInputStream().read(new byte[256]);
                    } catch (Exception e) {
                        // carpd cut the connection off: what it should do to such a client
                    }
                }
            });
            th.setDaemon(true);
            th.start();
            threads.add(th);
        }
        ControlClient honest = new ControlClient(dir);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        int served = 0;
        while (System.nanoTime() < end) {
            Protocol.Response r = honest.call("carpconfig", List.of("-l"));
            if (r.exit() != 0) {
                fail("an authenticated client was not served: " + r.err());
            }
            served++;
            Thread.sleep(50);
        }
        stop.set(true);
        if (!Arrays.equals(before, Files.readAllBytes(file))) {
            fail("the saved state changed under attack");
        }
        System.out.printf("abuse: %d hostile connections established in %d s (%d connects failed); %d honest requests "
                + "all served; state unchanged%n", established.get(), seconds, failedConnects.get(), served);
        System.out.println("ESTABLISHED " + established.get());
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (java.io.IOException e) {
            // nothing was open
        }
    }

    // ------------------------------------------------------------------ replay

    static void replay(String dev, Path pcap) throws Exception {
        List<byte[]> frames = org.carp4j.testing.Pcap.read(Files.newInputStream(pcap));
        org.pcap4j.core.PcapHandle tx = new org.pcap4j.core.PcapHandle.Builder(dev).snaplen(128).timeoutMillis(10).build();
        for (byte[] f : frames) {
            tx.sendPacket(f);
        }
        tx.close();
        System.out.println("replayed " + frames.size() + " frames");
    }

    // ------------------------------------------------------------------ stream

    /** Change i of the torture stream, as carpconfig words. */
    public static List<String> change(int i) {
        int j = i / 3;
        return switch (i % 3) {
            case 0 -> List.of("carp" + (1 + j % 500), "create");
            case 1 -> List.of("carp0", "advskew", Integer.toString(i % 250));
            default -> List.of("carp" + (1 + j % 500), "destroy");
        };
    }

    /**
     * Applies changes from each start index read on standard input until one fails (carpd was
     * killed), then waits for the next start: one JVM for the whole torture.
     */
    static void stream(Path dir) throws Exception {
        java.io.BufferedReader starts = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = starts.readLine(); line != null; line = starts.readLine()) {
            ControlClient client = new ControlClient(dir);
            for (int i = Integer.parseInt(line.trim()); ; i++) {
                Protocol.Response r = client.call("carpconfig", change(i));
                if (r.exit() != 0) {
                    // the exit code tells a refusal (a bug: every change of the stream is valid) from carpd gone
                    System.out.println("FAIL " + i + " exit " + r.exit() + ": " + r.err());
                    System.out.flush();
                    break;
                }
                System.out.println("ACK " + i);
                System.out.flush();
            }
        }
    }
}
