package org.carp4j.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.carp4j.codec.MacAddress;
import org.carp4j.commands.HostInterface;
import org.carp4j.config.VipAddress;
import org.carp4j.election.Carpdev;

/**
 * Host effects: addresses through rtnetlink ({@link NetlinkAddresses}, no fork on the takeover
 * path), links through iproute2. carpN is a macvlan on its carpdev carrying the virtual MAC, so
 * `ip link` shows it; it is marked with the alias "carp4j" so a crashed daemon's leftovers can be
 * found and removed. ARP and IPv6 are tuned so a BACKUP never sends a frame from the virtual MAC.
 */
public final class IpCommandHost implements HostNetwork {
    public static final String ALIAS = "carp4j";
    /** iproute2's ip by absolute path: carpd runs it as root, so it is never looked up in PATH. */
    static final String IP = Stream.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip")
            .filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse("/usr/sbin/ip");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long TIMEOUT_MILLIS = 10_000;
    private NetlinkAddresses netlink;
    private boolean netlinkRefused;
    /**
     * Index of each carp interface carpd made, learnt when it was checked as ours: the takeover
     * path reads no file. A stale index (the interface was deleted; Linux does not reuse indexes
     * soon) is refused with ENODEV, and the name is then looked up and checked again.
     */
    private final Map<String, Integer> indexes = new ConcurrentHashMap<>();

    private CarpdevSysctls carpdevSysctls = new CarpdevSysctls(Path.of("/proc/sys"), null);

    /** Opens the rtnetlink socket now, so the first takeover finds it ready. */
    public IpCommandHost() {
        netlink();
    }

    /** Keeps the carpdevs' ARP sysctls as they were before carpd in this file too (see {@link CarpdevSysctls}). */
    public IpCommandHost keepCarpdevSysctlsIn(Path file) {
        carpdevSysctls = new CarpdevSysctls(Path.of("/proc/sys"), file);
        return this;
    }

    @Override
    public List<String> restoreCarpdevSysctls() {
        return carpdevSysctls.restoreAll();
    }

    @Override
    public List<HostInterface> interfaces() throws IOException {
        List<HostInterface> out = new ArrayList<>();
        for (JsonNode n : ip("-j", "addr", "show")) {
            String name = n.path("ifname").asText();
            if (name.equals("lo") || ALIAS.equals(n.path("ifalias").asText(null)) || !n.path("address").isTextual()) {
                continue;
            }
            out.add(new HostInterface(name, addresses(n)));
        }
        return out;
    }

    @Override
    public Optional<Carpdev> carpdev(String name) throws IOException {
        if (!Files.exists(Path.of("/sys/class/net", name))) {
            return Optional.empty();
        }
        JsonNode list;
        try {
            list = ip("-j", "addr", "show", "dev", name);
        } catch (IOException e) {
            return Optional.empty(); // vanished between the check and the call
        }
        if (list.size() == 0) {
            return Optional.empty();
        }
        return Optional.of(parse(name, list.get(0)));
    }

    /** One rtnetlink dump for all of them, no fork (255 carp interfaces are checked every 2 s); `ip` if that fails. */
    @Override
    public java.util.Map<String, List<VipAddress>> addressesOf(java.util.Collection<String> names) throws IOException {
        NetlinkAddresses nl = netlink();
        if (nl != null && !names.isEmpty()) {
            try {
                java.util.Map<String, List<VipAddress>> all = nl.addresses();
                java.util.Map<String, List<VipAddress>> out = new java.util.HashMap<>();
                java.util.Set<String> exist = existing(names); // an interface without addresses is in no dump
                for (String n : names) {
                    if (exist.contains(n)) {
                        out.put(n, all.getOrDefault(n, List.of()));
                    }
                }
                return out;
            } catch (IOException e) {
                // fall back to `ip` below
            }
        }
        return HostNetwork.super.addressesOf(names);
    }

    /** One `ip -j addr show` for all of them: the address check reads 255 interfaces a second. */
    @Override
    public java.util.Map<String, Carpdev> carpdevs(java.util.Collection<String> names) throws IOException {
        java.util.Map<String, Carpdev> out = new java.util.HashMap<>();
        if (names.isEmpty()) {
            return out;
        }
        java.util.Set<String> wanted = java.util.Set.copyOf(names);
        for (JsonNode n : ip("-j", "addr", "show")) {
            String name = n.path("ifname").asText();
            if (wanted.contains(name)) {
                out.put(name, parse(name, n));
            }
        }
        return out;
    }

    private static Carpdev parse(String name, JsonNode n) {
        boolean carrier = false;
        for (JsonNode f : n.path("flags")) {
            carrier |= f.asText().equals("LOWER_UP");
        }
        MacAddress mac = n.path("address").isTextual() ? MacAddress.parse(n.path("address").asText()) : MacAddress.ZERO;
        return new Carpdev(name, mac, addresses(n), carrier);
    }

    @Override
    public Optional<Boolean> carrier(String name) {
        try {
            String s = Files.readString(Path.of("/sys/class/net", name, "carrier")).trim();
            return Optional.of(s.equals("1"));
        } catch (IOException e) {
            // reading carrier of an admin-down interface fails with EINVAL: no carrier
            return Files.exists(Path.of("/sys/class/net", name)) ? Optional.of(false) : Optional.empty();
        }
    }

    @Override
    public java.util.Set<String> existing(java.util.Collection<String> names) {
        if (names.isEmpty()) {
            return java.util.Set.of();
        }
        java.util.Set<String> out = new java.util.HashSet<>();
        try (java.nio.file.DirectoryStream<Path> d = Files.newDirectoryStream(Path.of("/sys/class/net"))) {
            java.util.Set<String> wanted = java.util.Set.copyOf(names);
            for (Path p : d) {
                String n = p.getFileName().toString();
                if (wanted.contains(n)) {
                    out.add(n);
                }
            }
            return out;
        } catch (IOException e) {
            return HostNetwork.super.existing(names);
        }
    }

    private static List<VipAddress> addresses(JsonNode n) {
        List<VipAddress> out = new ArrayList<>();
        for (JsonNode a : n.path("addr_info")) {
            try {
                out.add(new VipAddress(VipAddress.Inet.parseLiteral(a.path("local").asText()), a.path("prefixlen").asInt()));
            } catch (IllegalArgumentException e) {
                // not an address we can use (e.g. a peer address form); skip it
            }
        }
        return out;
    }

    @Override
    public void createCarpInterface(String name, String carpdev, MacAddress mac, boolean ipv6) throws IOException {
        if (Files.exists(Path.of("/sys/class/net", name))) {
            if (foreignInterface(name)) {
                throw new ForeignInterfaceException(name);
            }
            run(IP, "link", "del", name); // our own, left by a carpd that died
        }
        indexes.remove(name);
        run(IP, "link", "add", name, "link", carpdev, "address", mac.toString(), "type", "macvlan", "mode", "bridge");
        run(IP, "link", "set", name, "alias", ALIAS);
        // A BACKUP must stay silent: answer ARP only for addresses it holds, and no IPv6
        // link-local, DAD or router solicitations from the virtual MAC.
        sysctl("net/ipv4/conf/" + name + "/arp_ignore", "1");
        sysctl("net/ipv4/conf/" + name + "/arp_announce", "2");
        // The carpdev must not answer ARP for the virtual addresses with its own MAC, nor announce
        // them in its own ARP requests (replies to clients leave via the carpdev); put back at the end.
        carpdevSysctls.tune(name, carpdev);
        if (ipv6) {
            sysctl("net/ipv6/conf/" + name + "/addr_gen_mode", "1");
            sysctl("net/ipv6/conf/" + name + "/accept_dad", "0");
            sysctl("net/ipv6/conf/" + name + "/accept_ra", "0");
        }
        // IPv6 comes on only with the first IPv6 take (SilentRelease): a BACKUP's carp interface
        // must not answer an MLD querier for the all-routers group from the virtual MAC
        sysctl("net/ipv6/conf/" + name + "/disable_ipv6", "1");
        run(IP, "link", "set", name, "up");
    }

    @Override
    public boolean foreignInterface(String name) {
        return Files.exists(Path.of("/sys/class/net", name)) && !ours(name);
    }

    /** Whether the interface carries our alias, i.e. a carpd made it. */
    private static boolean ours(String name) {
        try {
            String alias = Files.readString(Path.of("/sys/class/net", name, "ifalias")).trim();
            // `ip link add` cannot set the alias; a carpd killed between the add and the alias
            // leaves a carpN with the virtual MAC and no alias: that one is ours too
            return alias.equals(ALIAS) || alias.isEmpty()
                    && Files.readString(Path.of("/sys/class/net", name, "address")).trim().startsWith("00:00:5e:00:01:");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void kernelArp(String name, boolean answer) {
        if (foreignInterface(name)) {
            return; // never change someone else's interface
        }
        sysctl("net/ipv4/conf/" + name + "/arp_ignore", answer ? "1" : "8");
    }

    @Override
    public void destroyCarpInterface(String name) throws IOException {
        indexes.remove(name);
        carpdevSysctls.release(name);
        if (Files.exists(Path.of("/sys/class/net", name)) && ours(name)) { // never someone else's
            run(IP, "link", "del", name);
        }
    }

    @Override
    public void addAddresses(String name, List<VipAddress> addresses, List<VipAddress> own) throws IOException {
        if (netlink() == null) {
            if (foreignInterface(name)) {
                throw new ForeignInterfaceException(name);
            }
            SilentRelease.beforeTake(name, addresses);
            addByFork(name, addresses, own);
            return;
        }
        IOException e = addAddresses(List.of(new Grant(name, addresses, own))).get(name);
        if (e != null) {
            throw e;
        }
    }

    /** `ip addr replace` semantics, all grants in one rtnetlink datagram: no fork on the takeover path. */
    @Override
    public Map<String, IOException> addAddresses(List<Grant> grants) {
        NetlinkAddresses nl = netlink();
        if (nl == null) {
            return HostNetwork.super.addAddresses(grants); // one `ip` fork per address
        }
        Map<String, IOException> failed = new LinkedHashMap<>();
        List<Grant> stale = new ArrayList<>();
        send(nl, grants, failed, stale);
        if (!stale.isEmpty()) {
            stale.forEach(g -> indexes.remove(g.name()));
            send(nl, stale, failed, new ArrayList<>()); // looked up and checked again
        }
        return failed;
    }

    /** One datagram for the grants; those refused with ENODEV under a cached index go to stale. */
    private void send(NetlinkAddresses nl, List<Grant> grants, Map<String, IOException> failed, List<Grant> stale) {
        List<NetlinkAddresses.Request> requests = new ArrayList<>();
        Map<Integer, Grant> byIndex = new HashMap<>();
        Map<Integer, Boolean> cached = new HashMap<>();
        for (Grant g : grants) {
            try {
                Integer known = indexes.get(g.name());
                int index = known != null ? known : ourIndex(g.name());
                SilentRelease.beforeTake(g.name(), g.addresses());
                byIndex.put(index, g);
                cached.put(index, known != null);
                for (VipAddress a : g.addresses()) {
                    requests.add(new NetlinkAddresses.Request(true, index, a, noPrefixRoute(a, g.carpdevAddresses())));
                }
            } catch (IOException e) {
                failed.put(g.name(), e);
            }
        }
        try {
            for (NetlinkAddresses.Refused r : nl.apply(requests)) {
                Grant g = byIndex.get(r.request().index());
                if (r.errno() == NetlinkAddresses.ENODEV && cached.get(r.request().index())) {
                    if (!stale.contains(g)) {
                        stale.add(g);
                    }
                    continue;
                }
                IOException e = new IOException(g.name() + ": " + r.getMessage(), r);
                IOException first = failed.putIfAbsent(g.name(), e);
                if (first != null) {
                    first.addSuppressed(e);
                }
            }
        } catch (IOException e) {
            byIndex.values().forEach(g -> failed.putIfAbsent(g.name(), e));
        }
    }

    /** The index of a carp interface carpd made, remembered; refused for someone else's. */
    private int ourIndex(String name) throws IOException {
        if (foreignInterface(name)) {
            throw new ForeignInterfaceException(name);
        }
        int index = index(name);
        indexes.put(name, index);
        return index;
    }

    /**
     * If the carpdev already routes this subnet, a second route via carpN would steal the host's
     * own traffic; keep the address without one.
     */
    private static boolean noPrefixRoute(VipAddress a, List<VipAddress> own) {
        return own.stream().anyMatch(o -> o.isIPv4() == a.isIPv4() && o.prefixLength() == a.prefixLength()
                && o.contains(a.address()));
    }

    private static void addByFork(String name, List<VipAddress> addresses, List<VipAddress> own) throws IOException {
        for (VipAddress a : addresses) {
            List<String> cmd = new ArrayList<>(List.of(IP, "addr", "replace", a.toString()));
            if (a.isIPv4()) {
                cmd.addAll(List.of("brd", "+"));
            } else {
                cmd.add("nodad");
            }
            cmd.addAll(List.of("dev", name));
            if (noPrefixRoute(a, own)) {
                cmd.add("noprefixroute");
            }
            run(cmd.toArray(String[]::new));
        }
    }

    @Override
    public void removeAddresses(String name, List<VipAddress> addresses) throws IOException {
        if (foreignInterface(name)) {
            return; // its addresses are not ours, even one equal to a VIP
        }
        SilentRelease.before(name, addresses); // no MLD report from the virtual MAC after the bow-out
        NetlinkAddresses nl = netlink();
        if (nl == null) {
            removeByIp(name, addresses);
            return;
        }
        int index;
        try {
            index = index(name);
        } catch (IOException e) {
            return; // the interface is gone, and its addresses with it
        }
        List<NetlinkAddresses.Request> requests = addresses.stream()
                .map(a -> new NetlinkAddresses.Request(false, index, a, false)).toList();
        IOException failed = null;
        List<NetlinkAddresses.Refused> refused;
        try {
            refused = nl.apply(requests);
        } catch (IOException e) {
            // the exchange itself failed (a silent kernel, ENOBUFS): a release must not be lost,
            // or this BACKUP keeps the VIP its peer now holds
            removeByIp(name, addresses);
            return;
        }
        for (NetlinkAddresses.Refused r : refused) {
            if (r.errno() == NetlinkAddresses.EADDRNOTAVAIL || r.errno() == NetlinkAddresses.ENODEV) {
                continue; // already gone: the goal is reached
            }
            IOException e = new IOException(name + ": " + r.getMessage(), r);
            if (failed == null) {
                failed = e;
            } else {
                failed.addSuppressed(e);
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    private void removeByIp(String name, List<VipAddress> addresses) throws IOException {
        for (VipAddress a : addresses) {
            try {
                run(IP, "addr", "del", a.toString(), "dev", name);
            } catch (IOException e) {
                // already gone (interface removed, or never added): the goal is reached
            }
        }
    }

    /** The rtnetlink socket, opened on first use; null (addresses go through `ip`) where JNA cannot load libc. */
    private synchronized NetlinkAddresses netlink() {
        if (netlink == null && !netlinkRefused) {
            try {
                netlink = NetlinkAddresses.open();
            } catch (IOException e) {
                netlinkRefused = true;
            }
        }
        return netlink;
    }

    /** The kernel's index of an interface, from /sys (no fork). */
    static int index(String name) throws IOException {
        try {
            return Integer.parseInt(Files.readString(Path.of("/sys/class/net", name, "ifindex")).trim());
        } catch (IOException | NumberFormatException e) {
            throw new IOException(name + ": no such interface", e);
        }
    }

    @Override
    public List<String> cleanup() throws IOException {
        List<String> removed = new ArrayList<>();
        for (JsonNode n : ip("-j", "link", "show")) {
            if (ALIAS.equals(n.path("ifalias").asText(null))) {
                String name = n.path("ifname").asText();
                run(IP, "link", "del", name);
                removed.add(name);
            }
        }
        return removed;
    }

    private static void sysctl(String key, String value) {
        try {
            Files.writeString(Path.of("/proc/sys", key), value);
        } catch (IOException e) {
            // e.g. IPv6 disabled in this namespace: the knob does not exist and is not needed
        }
    }

    private static JsonNode ip(String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = IP;
        System.arraycopy(args, 0, cmd, 1, args.length);
        String out = run(cmd);
        return out.isBlank() ? JSON.createArrayNode() : JSON.readTree(out);
    }

    static String run(String... cmd) throws IOException {
        return run(TIMEOUT_MILLIS, cmd);
    }

    /**
     * Runs a command with a time limit that holds whatever it does: its output goes to a file, not
     * a pipe this thread reads, so a hung command, or a child that keeps the output open after the
     * command exited, cannot block the caller. On timeout the command and its children are killed.
     */
    static String run(long timeoutMillis, String... cmd) throws IOException {
        Path out = Files.createTempFile("carpd-ip", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile()).start();
            try {
                if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", cmd) + ": timed out after " + timeoutMillis + " ms; killed");
                }
            } catch (InterruptedException e) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException(String.join(" ", cmd) + ": interrupted", e);
            }
            String text = new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": " + text.trim());
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
