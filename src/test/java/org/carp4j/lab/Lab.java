package org.carp4j.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.carp4j.testing.Exec;

/**
 * The project's own network lab: isolated namespaces joined by bridges, each host with em0 on the
 * LAN (172.16.0.N/24) and, with wan, em1 on the WAN (192.0.2.N/24), as in the FreeBSD handbook.
 * Every veth is created inside the lab's switch namespace with its peer moved straight into a
 * host namespace, so nothing ever appears in the root namespace, and no host has a default route.
 * {@link #close} removes everything, and so does a JVM shutdown hook if a run is interrupted;
 * labs left by a killed JVM are swept by the next one.
 */
public final class Lab implements AutoCloseable {
    public static final Path ROOT = Path.of(System.getProperty("carp4j.root", ".")).toAbsolutePath().normalize();
    private static final String PREFIX = "c4j";
    /** How long a plain waitFor() on a process the lab started may take before it is killed (BoundedProcess). */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String id;
    private final Path dir;
    private final Map<Integer, Host> hosts = new LinkedHashMap<>();
    private final List<Process> processes = new ArrayList<>();
    private final Thread cleanupHook = new Thread(this::teardown);
    private final boolean wan;
    private final boolean ipv6;
    /** Where carpd and the commands are: the checkout's bin/ unless a test installed them elsewhere. */
    private java.util.function.Function<String, Path> programs = name -> ROOT.resolve("bin/" + name);

    private Lab(String id, int n, boolean wan, boolean ipv6) throws IOException, InterruptedException {
        this.wan = wan;
        this.ipv6 = ipv6;
        this.id = id;
        this.dir = Files.createTempDirectory("carp4j-lab-");
        Runtime.getRuntime().addShutdownHook(cleanupHook);
        sweepStale();
        String sw = switchNs();
        sh("ip", "netns", "add", sw);
        sh("ip", "-n", sw, "link", "set", "lo", "up");
        disableIpv6(sw);
        for (String br : wan ? List.of("br0", "br1") : List.of("br0")) {
            sh("ip", "-n", sw, "link", "add", br, "type", "bridge", "stp_state", "0", "forward_delay", "0",
                    "mcast_snooping", "0");
            sh("ip", "-n", sw, "link", "set", br, "up");
        }
        for (int i = 1; i <= n; i++) {
            hosts.put(i, new Host(i));
        }
    }

    /** Root is needed to build namespaces: elsewhere a skip, under CI a failure (NoSkipUnderCi). */
    public static Lab create(int hosts, boolean wan) throws Exception {
        return create(hosts, wan, false);
    }

    /** With ipv6, hosts keep IPv6 (link-local at once, no DAD wait) and em0 also has 2001:db8::N/64. */
    public static Lab create(int hosts, boolean wan, boolean ipv6) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("0".equals(run("id", "-u").trim()),
                "lab tests need root (network namespaces)");
        String id = PREFIX + ProcessHandle.current().pid() + "x" + System.nanoTime() % 100_000;
        try {
            return new Lab(id, hosts, wan, ipv6);
        } catch (Exception | Error e) {
            deleteNamespaces(id);
            throw e;
        }
    }

    /** Runs carpd and the commands from program.apply(name) instead of the checkout's bin/. */
    public Lab programs(java.util.function.Function<String, Path> program) {
        this.programs = program;
        return this;
    }

    public Host h(int i) {
        return hosts.get(i);
    }

    public Path dir() {
        return dir;
    }

    String switchNs() {
        return id + "-sw";
    }

    /** The switch namespace, for tools that watch the bridges. */
    public String switchName() {
        return switchNs();
    }

    /** A host of the lab: its namespace, its carpd and its state directory. */
    public final class Host {
        public final int n;
        public final String ns;
        public final Path stateDir;
        private Process carpd;
        private Process ucarp;
        private int starts;

        Host(int n) throws IOException, InterruptedException {
            this.n = n;
            this.ns = id + "-h" + n;
            this.stateDir = dir.resolve("h" + n);
            sh("ip", "netns", "add", ns);
            sh("ip", "-n", ns, "link", "set", "lo", "up");
            if (ipv6) {
                sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.accept_dad=0",
                        "net.ipv6.conf.all.accept_dad=0");
            } else {
                disableIpv6(ns);
            }
            plug("em0", "br0", String.format("02:00:00:00:00:%02x", n), "172.16.0." + n + "/24");
            if (wan) {
                plug("em1", "br1", String.format("02:00:00:00:01:%02x", n), "192.0.2." + n + "/24");
            }
        }

        private void plug(String dev, String bridge, String mac, String address) throws IOException, InterruptedException {
            String port = "h" + n + "-" + dev;
            sh("ip", "-n", switchNs(), "link", "add", port, "type", "veth", "peer", "name", dev, "netns", ns);
            sh("ip", "-n", switchNs(), "link", "set", port, "master", bridge, "up");
            sh("ip", "-n", ns, "link", "set", dev, "address", mac);
            sh("ip", "-n", ns, "addr", "add", address, "dev", dev);
            if (ipv6 && dev.equals("em0")) {
                sh("ip", "-n", ns, "addr", "add", "2001:db8::" + n + "/64", "dev", dev, "nodad");
            }
            sh("ip", "-n", ns, "link", "set", dev, "up");
            if (dev.equals("em0")) {
                sh("ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", dev);
            }
        }

        public String name() {
            return "h" + n;
        }

        /** Starts bin/carpd in this host with its own state directory. */
        public Process startCarpd(String... extra) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, programs.apply("carpd").toString(),
                    "--state-dir", stateDir.toString()));
            cmd.addAll(List.of(extra));
            Path log = dir.resolve("carpd-h" + n + "-" + (++starts) + ".log");
            carpd = Exec.start(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()), WAIT);
            processes.add(carpd);
            Process started = carpd;
            // ready when this run says it listens (a killed daemon's control file may still be there)
            await(Duration.ofSeconds(20), () -> !started.isAlive() || readQuietly(log).contains("event=control"));
            return carpd;
        }

        public Process carpd() {
            return carpd;
        }

        /**
         * Starts the real ucarp here with the lab's up/down scripts (add/remove the VIP as a /32 on
         * the interface), its output line-buffered into a log.
         */
        public Process startUcarp(String dev, String... args) throws IOException, InterruptedException {
            Path up = dir.resolve("vip-up.sh");
            Path down = dir.resolve("vip-down.sh");
            if (!Files.exists(up)) {
                Files.writeString(up, "#!/bin/sh\nexec ip addr add \"$2\"/32 dev \"$1\"\n");
                Files.writeString(down, "#!/bin/sh\nexec ip addr del \"$2\"/32 dev \"$1\"\n");
                sh("chmod", "+x", up.toString(), down.toString());
            }
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "stdbuf", "-oL", "ucarp",
                    "-i", dev, "-s", (dev.equals("em0") ? "172.16.0." : "192.0.2.") + n,
                    "--upscript=" + up, "--downscript=" + down, "--shutdown"));
            cmd.addAll(List.of(args));
            Path log = dir.resolve("ucarp-h" + n + ".log");
            ucarp = Exec.start(new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())), WAIT);
            processes.add(ucarp);
            return ucarp;
        }

        public Process ucarp() {
            return ucarp;
        }

        public String ucarpLog() throws IOException {
            Path log = dir.resolve("ucarp-h" + n + ".log");
            return Files.exists(log) ? Files.readString(log) : "";
        }

        /**
         * Whether carpd logged text, allowing its log writer a moment: lines are written by a
         * thread of their own, so one may land just after the state it reports is visible.
         */
        public boolean logged(String text) throws IOException, InterruptedException {
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!log().contains(text)) {
                if (System.nanoTime() > end) {
                    return false;
                }
                Thread.sleep(20);
            }
            return true;
        }

        public String log() throws IOException {
            StringBuilder b = new StringBuilder();
            for (int i = 1; i <= starts; i++) {
                b.append(Files.readString(dir.resolve("carpd-h" + n + "-" + i + ".log")));
            }
            return b.toString();
        }

        public void signal(String sig) throws IOException, InterruptedException {
            // the launcher execs java, so the process we started is carpd itself
            signal(carpd, sig);
        }

        public void signal(Process p, String sig) throws IOException, InterruptedException {
            sh("kill", "-" + sig, Long.toString(p.pid()));
        }

        /** This host's LAN address. */
        public String address() {
            return "172.16.0." + n;
        }

        public Result carpconfig(String... args) throws IOException, InterruptedException {
            return tool("carpconfig", args);
        }

        public Result carpsysctl(String... args) throws IOException, InterruptedException {
            return tool("carpsysctl", args);
        }

        public Result tool(String name, String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "env",
                    "CARPD_STATE_DIR=" + stateDir, programs.apply(name).toString()));
            cmd.addAll(List.of(args));
            return Result.of(cmd);
        }

        public String exec(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
            cmd.addAll(List.of(args));
            return run(cmd.toArray(String[]::new));
        }

        /** carpd's Prometheus page on 127.0.0.1:port, with its HTTP header, as a scraper gets it. */
        public String scrape(int port) throws IOException, InterruptedException {
            return exec("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port
                    + "; printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
        }

        /** True if the address is configured on any interface of this host (`ip addr`). */
        public boolean holds(String address) throws IOException, InterruptedException {
            return addresses().contains(" " + address + "/");
        }

        public String addresses() throws IOException, InterruptedException {
            return run("ip", "-n", ns, "-o", "addr", "show");
        }

        public boolean ping(String address) throws IOException, InterruptedException {
            return Result.of(List.of("ip", "netns", "exec", ns, "ping", address.contains(":") ? "-6" : "-4",
                    "-c", "1", "-W", "1", address)).exit() == 0;
        }

        /** Pulls the cable: the switch side goes down, the host sees NO-CARRIER. */
        public void cut(String dev) throws IOException, InterruptedException {
            sh("ip", "-n", switchNs(), "link", "set", "h" + n + "-" + dev, "down");
        }

        /** Removes the switch port from the bridge: link stays up, nothing crosses. */
        public void detach(String dev) throws IOException, InterruptedException {
            sh("ip", "-n", switchNs(), "link", "set", "h" + n + "-" + dev, "nomaster");
        }

        public void heal(String dev) throws IOException, InterruptedException {
            String port = "h" + n + "-" + dev;
            sh("ip", "-n", switchNs(), "link", "set", port, "master", dev.equals("em0") ? "br0" : "br1");
            sh("ip", "-n", switchNs(), "link", "set", port, "up");
        }
    }

    public record Result(int exit, String out, String err) {
        /** Runs cmd to its end; one still running after 60 s is killed and fails the test, naming it. */
        public static Result of(List<String> cmd) throws IOException, InterruptedException {
            Exec.Result r = Exec.run(cmd);
            return new Result(r.exit(), r.out(), r.err());
        }
    }

    /** Every frame forwarded by the lab's bridges is dropped with probability 1/every (nftables). */
    public void loss(int every) throws IOException, InterruptedException {
        sh("ip", "netns", "exec", switchNs(), "nft", "add", "table", "bridge", "lossy");
        sh("ip", "netns", "exec", switchNs(), "nft", "add", "chain", "bridge", "lossy", "forward",
                "{ type filter hook forward priority 0; }");
        sh("ip", "netns", "exec", switchNs(), "nft", "add", "rule", "bridge", "lossy", "forward",
                "numgen", "random", "mod", Integer.toString(every), "==", "0", "counter", "drop");
    }

    /**
     * Every frame forwarded by the lab's bridges is dropped with the given probability (percent),
     * independently for each port a flooded frame leaves by (the bridge hook sees each copy).
     */
    public void lossPercent(int percent) throws IOException, InterruptedException {
        sh("ip", "netns", "exec", switchNs(), "nft", "add", "table", "bridge", "lossy");
        sh("ip", "netns", "exec", switchNs(), "nft", "add", "chain", "bridge", "lossy", "forward",
                "{ type filter hook forward priority 0; }");
        sh("ip", "netns", "exec", switchNs(), "nft", "add", "rule", "bridge", "lossy", "forward",
                "numgen", "random", "mod", "100", "<", Integer.toString(percent), "counter", "drop");
    }

    /** Removes the loss rule of {@link #loss} or {@link #lossPercent} (read {@link #lossDrops} first). */
    public void noLoss() throws IOException, InterruptedException {
        sh("ip", "netns", "exec", switchNs(), "nft", "flush", "chain", "bridge", "lossy", "forward");
    }

    /**
     * The switch drops every multicast frame, as cloud networks and some hypervisor switches do
     * (broadcast, and so ARP, still passes).
     */
    public void blockMulticast() throws IOException, InterruptedException {
        sh("ip", "netns", "exec", switchNs(), "nft", "add", "table", "bridge", "cloud");
        sh("ip", "netns", "exec", switchNs(), "nft", "add", "chain", "bridge", "cloud", "forward",
                "{ type filter hook forward priority 0; }");
        sh("ip", "netns", "exec", switchNs(), "nft", "add", "rule", "bridge", "cloud", "forward",
                "meta", "pkttype", "multicast", "counter", "drop");
    }

    /** Multicast frames the switch has dropped so far. */
    public long multicastDrops() throws IOException, InterruptedException {
        return counter("cloud");
    }

    /** Frames the loss rule has dropped so far. */
    public long lossDrops() throws IOException, InterruptedException {
        return counter("lossy");
    }

    private long counter(String table) throws IOException, InterruptedException {
        String rules = run("ip", "netns", "exec", switchNs(), "nft", "list", "chain", "bridge", table, "forward");
        var m = java.util.regex.Pattern.compile("counter packets (\\d+)").matcher(rules);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** tcpdump on the LAN bridge: sees every frame of the segment. */
    public Process capture(Path file, String bridge) throws IOException {
        return capture(file, bridge, "ip proto 112 or arp or ip6");
    }

    /**
     * tcpdump on a switch-side interface: a bridge (everything), or one host's port such as
     * "h2-em0", where only what that host sent is captured.
     */
    public Process capture(Path file, String iface, String filter) throws IOException {
        // immediate mode: a frame reaches the file at once, not when the kernel's ring block times
        // out, so a capture stopped right after the event it watched still holds that event
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", switchNs(), "tcpdump", "-U", "--immediate-mode",
                "-Z", "root"));
        if (!iface.startsWith("br")) {
            cmd.addAll(List.of("-Q", "in"));
        }
        cmd.addAll(List.of("-ni", iface, "-w", file.toString(), filter));
        Process p = Exec.start(new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(dir.resolve("tcpdump.log").toFile()), WAIT);
        processes.add(p);
        await(Duration.ofSeconds(10), () -> Files.exists(file));
        return p;
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    /** Polls until the condition holds; false if it did not within the limit. */
    public static boolean await(Duration limit, BooleanSupplier condition) {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    public interface Check {
        boolean test() throws Exception;
    }

    /** await for checks that run commands. */
    public static boolean eventually(Duration limit, Check c) {
        return await(limit, () -> {
            try {
                return c.test();
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Override
    public void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }

    private synchronized void teardown() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        processes.clear();
        deleteNamespaces(id);
        if (System.getenv("CARP4J_KEEP_LAB") == null) { // keep logs for a post-mortem when asked
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // temp files only
            }
        }
    }

    private static void deleteNamespaces(String labId) {
        try {
            for (String ns : run("ip", "netns", "list").lines().map(l -> l.split(" ")[0]).toList()) {
                if (ns.startsWith(labId + "-")) {
                    for (String pid : run("ip", "netns", "pids", ns).lines().toList()) {
                        Result.of(List.of("kill", "-9", pid.trim()));
                    }
                    Result.of(List.of("ip", "netns", "del", ns));
                }
            }
        } catch (IOException | InterruptedException e) {
            // best effort; the next lab sweeps what is left
        }
    }

    /** Labs whose JVM died without cleaning up (kill -9) are removed here. */
    private static void sweepStale() throws IOException, InterruptedException {
        for (String ns : run("ip", "netns", "list").lines().map(l -> l.split(" ")[0]).toList()) {
            var m = java.util.regex.Pattern.compile("^(" + PREFIX + "(\\d+)x\\d+)-").matcher(ns);
            if (m.find() && ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty()) {
                deleteNamespaces(m.group(1));
            }
        }
    }

    private static void disableIpv6(String ns) throws IOException, InterruptedException {
        sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1");
    }

    static void sh(String... cmd) throws IOException, InterruptedException {
        Result r = Result.of(List.of(cmd));
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + r.err().trim());
        }
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Result r = Result.of(List.of(cmd));
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + r.err().trim());
        }
        return r.out();
    }
}
