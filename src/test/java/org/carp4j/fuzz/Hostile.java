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
import org.carp4j.commands.CommandException;
import org.carp4j.commands.Ifconfig;
import org.carp4j.commands.IfconfigRequest;
import org.carp4j.commands.Sysctl;
import org.carp4j.config.StateDocument;
import org.carp4j.config.StateFile;
import org.carp4j.control.ControlClient;
import org.carp4j.control.ControlFile;
import org.carp4j.control.Protocol;
import org.carp4j.host.IpCommandHost;

/**
 * Hostile clients of a live carpd, run inside a lab namespace by the hardening tests:
 * <ul>
 * <li>{@code words STATE_DIR N SEED}: N random and mutated carpconfig/carpsysctl argument vectors;
 *   each must apply fully (the saved file is exactly the grammar's result) or be refused with a
 *   message, a non-zero exit and the saved file byte-identical.</li>
 * <li>{@code abuse STATE_DIR SECONDS}: garbage, huge lines, slow and unauthenticated clients, many
 *   at once, while an honest client keeps working; the saved file must not change.</li>
 * <li>{@code stream STATE_DIR START}: applies a deterministic stream of changes, printing
 *   "ACK i" after each acknowledged one, until killed (the kill -9 torture).</li>
 * <li>{@code replay IFACE PCAP}: sends every frame of a capture again, as captured.</li>
 * </ul>
 * Prints one summary line; exits non-zero with a reason on the first violation.
 */
public final class Hostile {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "words" -> words(dir, Integer.parseInt(args[2]), Long.parseLong(args[3]));
            case "abuse" -> abuse(dir, Integer.parseInt(args[2]));
            case "stream" -> stream(dir, Integer.parseInt(args[2]));
            case "replay" -> replay(args[1], Path.of(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static void fail(String why) {
        System.out.println("VIOLATION " + why);
        System.exit(1);
    }

    // ------------------------------------------------------------------ words

    static void words(Path dir, int n, long seed) throws Exception {
        Random r = new Random(seed);
        ControlClient client = new ControlClient(dir);
        Path file = dir.resolve(StateFile.NAME);
        int applied = 0;
        int refused = 0;
        for (int i = 0; i < n; i++) {
            boolean sysctl = r.nextInt(5) == 0;
            List<String> words = sysctl ? sysctlVector(r) : ifconfigVector(r);
            byte[] before = Files.exists(file) ? Files.readAllBytes(file) : null;
            StateDocument doc = before == null ? StateDocument.EMPTY : StateFile.parse(file, before);
            Protocol.Response resp = client.call(sysctl ? "carpsysctl" : "carpconfig", words);
            byte[] after = Files.exists(file) ? Files.readAllBytes(file) : null;
            if (resp.exit() != 0) {
                refused++;
                if (resp.err().isBlank()) {
                    fail("refused without a message: " + words);
                }
                if (!Arrays.equals(before, after)) {
                    fail("refused but the saved state changed: " + words + " -> " + resp.err());
                }
                continue;
            }
            applied++;
            StateDocument expected = expected(doc, sysctl, words);
            StateDocument saved = after == null ? StateDocument.EMPTY : StateFile.parse(file, after);
            if (expected != null && !expected.equals(saved)) {
                fail("applied, but the saved state is not the command's result: " + words);
            }
        }
        System.out.printf("words: %d vectors, %d applied, %d refused, saved state always consistent%n", n, applied, refused);
    }

    /** What the grammar says the command does to the document (null: display-only or state-only). */
    static StateDocument expected(StateDocument doc, boolean sysctl, List<String> words) throws Exception {
        try {
            if (sysctl) {
                return doc.withSysctls(new Sysctl().run(doc.sysctls(), java.util.Map.of(), words).sysctls());
            }
            if (words.isEmpty() || words.get(0).startsWith("-")) {
                return null; // -a, -l, -g: shown or demote, checked through the refusal rule only
            }
            IfconfigRequest req = new Ifconfig(new IpCommandHost().interfaces()).parse(doc, words.get(0), words.subList(1, words.size()));
            return req.next();
        } catch (CommandException e) {
            return null; // the daemon accepted what our copy refused: only for host-dependent words
        }
    }

    /** The grammar's own keywords (its table), --json, and a BSD word carpconfig does not implement. */
    static final String[] KEYWORDS = java.util.stream.Stream.concat(org.carp4j.commands.Keyword.words().stream(),
            java.util.stream.Stream.of("--json", "mtu")).toArray(String[]::new);
    static final String[] VALUES = {"0", "1", "2", "7", "85", "128", "240", "254", "255", "256", "-1", "x", "",
        "em0", "em9", "lo", "init", "backup", "master", "MASTER", "secret", "abcdefghijklmnopqrstu",
        "172.16.0.100", "172.16.0.101/24", "10.0.0.1", "255.255.255.0", "0xffffff00", "0xff00ff00", "2001:db8::9",
        "64", "300.1.1.1", "224.0.0.18", "172.16.0.2", "239.1.1.1", "255.255.255.255", "::", "\u00e9t\u00e9", "a b", "-", "--", "\\", "'\"", "carp0"};

    static List<String> ifconfigVector(Random r) {
        List<String> w = new ArrayList<>();
        int kind = r.nextInt(10);
        if (kind == 0) {
            w.add(pick(r, new String[] {"-a", "-l", "-g", "-x", "--json"}));
            if (w.get(0).equals("-g")) {
                w.add(pick(r, new String[] {"carp", "nope"}));
                if (r.nextBoolean()) {
                    w.add(pick(r, new String[] {"carpdemote", "-carpdemote", "bogus"}));
                    if (r.nextBoolean()) {
                        w.add(pick(r, VALUES));
                    }
                }
            }
            return w;
        }
        w.add(pick(r, new String[] {"carp0", "carp1", "carp2", "carp3", "carp99", "carp", "em0", "carp00001"}));
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) {
            w.add(r.nextInt(3) == 0 ? pick(r, VALUES) : pick(r, KEYWORDS));
            if (r.nextInt(3) > 0) {
                w.add(pick(r, VALUES));
            }
        }
        if (r.nextInt(8) == 0 && w.size() > 1) { // mutate one word
            int i = 1 + r.nextInt(w.size() - 1);
            String s = w.get(i);
            w.set(i, s.isEmpty() ? "\u0000" : s.substring(0, r.nextInt(s.length())) + (char) (32 + r.nextInt(95)));
        }
        return w;
    }

    static List<String> sysctlVector(Random r) {
        String[] names = {"net.inet.carp.preempt", "preempt", "allow", "log", "arpbalance", "net.inet.carp.stats.badttl",
            "net.inet.carp", "bogus", "net.inet.carp.log", "stats"};
        List<String> w = new ArrayList<>();
        if (r.nextInt(4) == 0) {
            w.add(pick(r, new String[] {"-w", "-n", "-a", "-q"}));
        }
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            String name = pick(r, names);
            w.add(r.nextBoolean() ? name : name + "=" + pick(r, new String[] {"0", "1", "2", "3", "-1", "x", "", "99999999999"}));
        }
        return w;
    }

    static String pick(Random r, String[] a) {
        return a[r.nextInt(a.length)];
    }

    // ------------------------------------------------------------------ abuse

    static void abuse(Path dir, int seconds) throws Exception {
        ControlFile cf = ControlFile.read(dir);
        Path file = dir.resolve(StateFile.NAME);
        byte[] before = Files.readAllBytes(file);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong hostile = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 24; t++) {
            int kind = t % 6;
            long seed = t;
            Thread th = new Thread(() -> {
                Random r = new Random(seed);
                while (!stop.get()) {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), cf.port())) {
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
                        hostile.incrementAndGet();
                    } catch (Exception e) {
                        hostile.incrementAndGet();
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
        System.out.printf("abuse: %d hostile connections in %d s; %d honest requests all served; state unchanged%n",
                hostile.get(), seconds, served);
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

    static void stream(Path dir, int start) throws Exception {
        ControlClient client = new ControlClient(dir);
        for (int i = start; ; i++) {
            Protocol.Response r = client.call("carpconfig", change(i));
            if (r.exit() != 0) {
                System.out.println("FAIL " + i + " " + r.err());
                System.out.flush();
                return;
            }
            System.out.println("ACK " + i);
            System.out.flush();
        }
    }
}
