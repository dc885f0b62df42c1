package org.carp4j.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Many carp interfaces on two lab hosts, for group failover: 64 vhids on em0, or one vhid on each
 * of 16 VLAN carpdevs em0.N. Both carpds are restarted once configured, so every group starts in
 * the same election step and their timers run together (configured one command at a time, they
 * would start up to a second apart and fail over that far apart by the protocol alone).
 */
public final class GroupLab {
    /** One carp interface: its name, vhid, carpdev and VIP (a /24). */
    public record Group(String name, int vhid, String carpdev, String vip) {
    }

    private GroupLab() {
    }

    /** n vhids on em0: carp1..carpN, VIPs 172.16.0.101.. */
    public static List<Group> onEm0(int n) {
        List<Group> out = new ArrayList<>();
        for (int v = 1; v <= n; v++) {
            out.add(new Group("carp" + v, v, "em0", "172.16.0." + (100 + v)));
        }
        return out;
    }

    /** Whether this kernel makes 802.1Q VLAN interfaces (some minimal VM kernels do not). */
    public static boolean vlansSupported(Lab lab) throws IOException, InterruptedException {
        Lab.Result r = Lab.Result.of(List.of("ip", "-n", lab.h(1).ns, "link", "add", "link", "em0", "name", "em0.4094",
                "type", "vlan", "id", "4094"));
        if (r.exit() == 0) {
            Lab.Result.of(List.of("ip", "-n", lab.h(1).ns, "link", "del", "em0.4094"));
        }
        return r.exit() == 0;
    }

    /** VLAN carpdevs em0.10..em0.(9+n) on every host, each with 10.N.0.host/24; one carp each, VIP 10.N.0.100. */
    public static List<Group> onVlans(Lab lab, int hosts, int n) throws IOException, InterruptedException {
        List<Group> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = 10 + i;
            String dev = "em0." + id;
            for (int h = 1; h <= hosts; h++) {
                String ns = lab.h(h).ns;
                Lab.sh("ip", "-n", ns, "link", "add", "link", "em0", "name", dev, "type", "vlan", "id", Integer.toString(id));
                Lab.sh("ip", "-n", ns, "addr", "add", "10." + id + ".0." + h + "/24", "dev", dev);
                Lab.sh("ip", "-n", ns, "link", "set", dev, "up");
            }
            out.add(new Group("carp" + (i + 1), i + 1, dev, "10." + id + ".0.100"));
        }
        return out;
    }

    /**
     * Where the kernel makes no VLANs: n more carpdevs v1..vN on every host, each its own port on
     * the LAN switch (Host.cut("vK") pulls that cable), with 10.(9+K).0.host/24; one carp each.
     */
    public static List<Group> onPorts(Lab lab, int hosts, int n) throws IOException, InterruptedException {
        List<Group> out = new ArrayList<>();
        for (int k = 1; k <= n; k++) {
            int net = 9 + k;
            String dev = "v" + k;
            for (int h = 1; h <= hosts; h++) {
                String ns = lab.h(h).ns;
                String port = "h" + h + "-" + dev;
                Lab.sh("ip", "-n", lab.switchNs(), "link", "add", port, "type", "veth", "peer", "name", dev, "netns", ns);
                Lab.sh("ip", "-n", lab.switchNs(), "link", "set", port, "master", "br0", "up");
                Lab.sh("ip", "-n", ns, "addr", "add", "10." + net + ".0." + h + "/24", "dev", dev);
                Lab.sh("ip", "-n", ns, "link", "set", dev, "up");
            }
            out.add(new Group("carp" + k, k, dev, "10." + net + ".0.100"));
        }
        return out;
    }

    /**
     * Pulls all the host's cables at once (one `ip -batch`): cut one after the other, the last
     * ones could fall after the master's next adverts and fail over an advert interval later.
     */
    public static void cutAll(Lab lab, Lab.Host h, List<String> devs) throws IOException, InterruptedException {
        ports(lab, h, devs, "down");
    }

    /** Puts the cables back at once (the ports stay on their bridge). */
    public static void plugAll(Lab lab, Lab.Host h, List<String> devs) throws IOException, InterruptedException {
        ports(lab, h, devs, "up");
    }

    private static void ports(Lab lab, Lab.Host h, List<String> devs, String state) throws IOException, InterruptedException {
        StringBuilder batch = new StringBuilder();
        for (String d : devs) {
            batch.append("link set h").append(h.n).append('-').append(d).append(' ').append(state).append('\n');
        }
        Path file = lab.dir().resolve("ports-h" + h.n + "-" + state + ".batch");
        Files.writeString(file, batch);
        Lab.sh("ip", "-n", lab.switchNs(), "-batch", file.toString());
    }

    /**
     * A BACKUP just made times its master-down from its own start until it hears the master;
     * groups whose captures opened later would fail over later. Two of the master's advert
     * intervals (advbase 1, advskew 0) and every group has heard it: the steady state a test needs.
     */
    public static void steady() throws InterruptedException {
        Thread.sleep(2500);
    }

    /**
     * Starts carpd on host 1 (advskew 0) and host 2 (advskew 100) with the groups, restarts both so
     * the groups run in step, and waits until host 1 holds every VIP and host 2 is BACKUP of all.
     */
    public static void start(Lab lab, List<Group> groups) throws Exception {
        for (int h = 1; h <= 2; h++) {
            Lab.Host host = lab.h(h);
            host.startCarpd();
            StringBuilder script = new StringBuilder();
            for (Group g : groups) {
                script.append("ifconfig ").append(g.name()).append(" create vhid ").append(g.vhid())
                        .append(" pass pw").append(g.vhid()).append(" carpdev ").append(g.carpdev())
                        .append(" advskew ").append(h == 1 ? 0 : 100).append(' ').append(g.vip()).append("/24\n");
            }
            Path file = lab.dir().resolve("groups-h" + h + ".txt");
            Files.writeString(file, script);
            Lab.Result r = Lab.Result.of(List.of("bash", "-c", "ip netns exec " + host.ns + " env CARPD_STATE_DIR="
                    + host.stateDir + " " + Lab.ROOT.resolve("bin/carpsh") + " < " + file));
            if (r.exit() != 0) {
                throw new IOException("carpsh: " + r.out() + r.err());
            }
        }
        for (int h = 2; h >= 1; h--) { // the backup first, so the master's bow-out moves nothing
            Lab.Host host = lab.h(h);
            Process p = host.carpd();
            host.signal("TERM");
            p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        lab.h(1).startCarpd();
        if (!Lab.eventually(Duration.ofSeconds(30), () -> holders(lab.h(1), groups) == groups.size())) {
            throw new AssertionError("host 1 never held all " + groups.size() + " VIPs:\n" + lab.h(1).addresses());
        }
        lab.h(2).startCarpd();
        if (!Lab.eventually(Duration.ofSeconds(30), () -> backups(lab.h(2), groups) == groups.size())) {
            throw new AssertionError("host 2 never BACKUP of all:\n" + lab.h(2).log());
        }
        steady();
    }

    /** How many of the groups' VIPs the host holds (one `ip addr`). */
    public static int holders(Lab.Host h, List<Group> groups) throws IOException, InterruptedException {
        String a = h.addresses();
        return (int) groups.stream().filter(g -> a.contains(" " + g.vip() + "/")).count();
    }

    /** How many of the groups the host shows as BACKUP (one carpconfig -a). */
    public static int backups(Lab.Host h, List<Group> groups) throws IOException, InterruptedException {
        String all = h.carpconfig("-a").out();
        return (int) all.lines().filter(l -> l.contains("carp: BACKUP")).count();
    }
}
