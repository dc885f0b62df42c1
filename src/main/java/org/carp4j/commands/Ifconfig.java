package org.carp4j.commands;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.carp4j.config.Limits;
import org.carp4j.config.StateDocument;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.CarpState;

/**
 * The words after `carpconfig carpN`, as OpenBSD's ifconfig(8) and the FreeBSD handbook use them:
 * keywords in any order and any subset, applied together or not at all.
 */
public final class Ifconfig {
    private final Supplier<List<HostInterface>> hostLookup;
    private List<HostInterface> host;

    public Ifconfig(List<HostInterface> host) {
        this(() -> host);
    }

    /** The host's interfaces are asked for only by the words that need them (carpdev, subnets). */
    public Ifconfig(Supplier<List<HostInterface>> host) {
        this.hostLookup = host;
    }

    private List<HostInterface> host() {
        if (host == null) {
            host = hostLookup.get();
        }
        return host;
    }

    public IfconfigRequest parse(StateDocument doc, String ifname, List<String> words) throws CommandException {
        if (!ifname.matches(Limits.NAME_PATTERN)) {
            throw new CommandException(ifname + ": not a carp interface (carpN)");
        }
        Optional<VhostConfig> existing = doc.find(ifname);
        if (words.isEmpty()) {
            if (existing.isEmpty()) {
                throw new CommandException(ifname + ": no such interface");
            }
            return new IfconfigRequest(ifname, doc, Optional.empty(), true);
        }
        Cursor in = new Cursor(words);
        VhostConfig c = existing.orElse(null);
        Optional<CarpState> force = Optional.empty();
        boolean destroy = false;
        boolean carpdevGiven = false;
        while (in.more()) {
            String w = in.next();
            if (w.equals("create")) {
                if (c != null) {
                    throw new CommandException(ifname + ": interface exists");
                }
                c = VhostConfig.created(ifname);
                continue;
            }
            if (c == null) {
                throw new CommandException(ifname + ": no such interface");
            }
            switch (w) {
                case "destroy" -> destroy = true;
                case "up" -> c = c.withUp(true);
                case "down" -> c = c.withUp(false);
                case "vhid" -> c = c.withVhid(number(in, "vhid", 1, Limits.VHID_MAX));
                case "advbase" -> c = c.withAdvbase(number(in, "advbase", Limits.ADVBASE_MIN, Limits.ADVBASE_MAX));
                case "advskew" -> c = c.withAdvskew(number(in, "advskew", 0, Limits.ADVSKEW_MAX));
                case "pass" -> {
                    String p = in.argument("pass");
                    if (p.getBytes(StandardCharsets.UTF_8).length > Limits.PASS_MAX_BYTES) {
                        throw new CommandException("pass: longer than " + Limits.PASS_MAX_BYTES + " characters");
                    }
                    c = c.withPassword(p);
                }
                case "-pass" -> c = c.withPassword("");
                case "carpdev" -> {
                    String d = in.argument("carpdev");
                    if (host().stream().noneMatch(h -> h.name().equals(d))) {
                        throw new CommandException("carpdev " + d + ": no such interface");
                    }
                    c = c.withCarpdev(d);
                    carpdevGiven = true;
                }
                case "-carpdev" -> c = c.withCarpdev(null);
                case "carppeer" -> c = c.withPeer(carppeer(in.argument("carppeer")));
                case "-carppeer" -> c = c.withPeer(null);
                case "state" -> {
                    String s = in.argument("state");
                    try {
                        force = Optional.of(CarpState.valueOf(s.toUpperCase(Locale.ROOT)));
                    } catch (IllegalArgumentException e) {
                        throw new CommandException("state " + s + ": bad value (init, backup or master)");
                    }
                }
                case "inet" -> c = address(in, c, in.argument("inet"), false);
                case "inet6" -> c = address(in, c, in.argument("inet6"), true);
                case "alias", "-alias" -> throw new CommandException(w + ": needs an address before it");
                default -> {
                    if (looksLikeAddress(w)) {
                        c = address(in, c, w, w.contains(":"));
                    } else {
                        throw new CommandException(w + ": bad value");
                    }
                }
            }
        }
        if (destroy) {
            return new IfconfigRequest(ifname, doc.without(ifname), Optional.empty(), false);
        }
        if (c.carpdev() == null && !carpdevGiven && !c.addresses().isEmpty()) {
            c = c.withCarpdev(carpdevBySubnet(c));
        }
        StateDocument next = doc.with(c);
        List<String> problems = Limits.problems(next);
        if (!problems.isEmpty()) {
            String p = problems.get(0);
            throw new CommandException(p.replaceFirst("^interfaces\\[[0-9]+\\]\\.[a-z]+: ", "")); // the path is for files
        }
        return new IfconfigRequest(ifname, next, force, false);
    }

    /** The handbook rule: the physical interface whose IPv4 subnet holds the carp address. */
    private String carpdevBySubnet(VhostConfig c) throws CommandException {
        for (VipAddress vip : c.addresses()) {
            for (HostInterface h : host()) {
                if (h.addresses().stream().anyMatch(a -> a.isIPv4() == vip.isIPv4() && a.contains(vip.address()))) {
                    return h.name();
                }
            }
        }
        throw new CommandException("carpdev: none given, and no interface's subnet holds "
                + c.addresses().get(0).address().getHostAddress());
    }

    /** OpenBSD's carppeer: a unicast IPv4 address; 224.0.0.18 is the default (stored as none). */
    private static InetAddress carppeer(String word) throws CommandException {
        InetAddress a;
        try {
            a = VipAddress.Inet.parseLiteral(word);
        } catch (IllegalArgumentException e) {
            throw new CommandException("error in parsing address string: " + word);
        }
        if (a.equals(VhostConfig.GROUP_V4)) {
            return null;
        }
        String problem = Limits.carppeerProblem(a);
        if (problem != null) {
            throw new CommandException(a instanceof Inet4Address ? "carppeer " + word + ": " + problem : problem);
        }
        return a;
    }

    private static boolean looksLikeAddress(String w) {
        return w.matches("[0-9]+\\.[0-9.]*(/[0-9]+)?") || w.matches("[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(/[0-9]+)?");
    }

    /** ADDR[/len] [MASK | netmask MASK | prefixlen N] [alias | -alias]. */
    private static VhostConfig address(Cursor in, VhostConfig c, String word, boolean v6) throws CommandException {
        String literal = word;
        Integer prefix = null;
        int slash = word.indexOf('/');
        if (slash >= 0) {
            literal = word.substring(0, slash);
            prefix = prefixLength(word, word.substring(slash + 1), v6 ? 128 : 32);
        }
        InetAddress a;
        try {
            a = VipAddress.Inet.parseLiteral(literal);
        } catch (IllegalArgumentException e) {
            throw new CommandException(word + ": bad address");
        }
        if ((a instanceof Inet6Address) != v6 || a.isMulticastAddress() || a.isAnyLocalAddress()) {
            throw new CommandException(word + ": bad address");
        }
        if (in.more() && prefix == null) {
            String m = in.peek();
            if (!v6 && m.equals("netmask")) {
                in.next();
                prefix = mask(in.argument("netmask"));
            } else if (v6 && m.equals("prefixlen")) {
                in.next();
                String n = in.argument("prefixlen");
                prefix = prefixLength("prefixlen " + n, n, 128);
            } else if (!v6 && (m.matches("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+") || m.startsWith("0x"))) {
                prefix = mask(in.next());
            }
        }
        VipAddress vip = new VipAddress(a, prefix == null ? (v6 ? 64 : 32) : prefix);
        List<VipAddress> list = new ArrayList<>(c.addresses());
        String mode = in.more() && (in.peek().equals("alias") || in.peek().equals("-alias")) ? in.next() : "";
        if (mode.equals("-alias")) {
            if (!list.removeIf(v -> v.address().equals(a))) {
                throw new CommandException(word + ": no such address on " + c.name());
            }
        } else if (mode.equals("alias") || v6) {
            list.removeIf(v -> v.address().equals(a));
            list.add(vip);
        } else {
            // Without "alias" an IPv4 address replaces the interface's primary IPv4 address.
            int primary = -1;
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).address() instanceof Inet4Address) {
                    primary = i;
                    break;
                }
            }
            list.removeIf(v -> v.address().equals(a));
            if (primary >= 0 && primary < list.size() && list.get(primary).isIPv4()) {
                list.set(primary, vip);
            } else {
                list.add(0, vip);
            }
        }
        return c.withAddresses(list);
    }

    private static int prefixLength(String word, String n, int max) throws CommandException {
        if (!n.matches("[0-9]{1,3}") || Integer.parseInt(n) > max) {
            throw new CommandException(word + ": bad prefix length");
        }
        return Integer.parseInt(n);
    }

    /** 255.255.255.0 or 0xffffff00, contiguous only. */
    static int mask(String m) throws CommandException {
        long bits;
        try {
            if (m.startsWith("0x") || m.startsWith("0X")) {
                if (m.length() > 10) {
                    throw new NumberFormatException();
                }
                bits = Long.parseLong(m.substring(2), 16);
            } else {
                bits = VipAddress.Inet.toInt(VipAddress.Inet.parseLiteral(m)) & 0xffff_ffffL;
            }
        } catch (IllegalArgumentException e) {
            throw new CommandException(m + ": bad netmask");
        }
        int len = Long.bitCount(bits);
        long expect = len == 0 ? 0 : (0xffff_ffffL << (32 - len)) & 0xffff_ffffL;
        if (bits != expect) {
            throw new CommandException(m + ": bad netmask (not contiguous)");
        }
        return len;
    }

    private static int number(Cursor in, String keyword, int min, int max) throws CommandException {
        String v = in.argument(keyword);
        long n;
        try {
            if (!v.matches("-?[0-9]{1,10}")) {
                throw new NumberFormatException();
            }
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new CommandException(keyword + " " + v + ": invalid");
        }
        if (n < min) {
            throw new CommandException(keyword + " " + v + ": too small");
        }
        if (n > max) {
            throw new CommandException(keyword + " " + v + ": too large");
        }
        return (int) n;
    }

    /** Walks the words; a keyword that needs a value says so when there is none. */
    private static final class Cursor {
        private final List<String> words;
        private int i;

        Cursor(List<String> words) {
            this.words = words;
        }

        boolean more() {
            return i < words.size();
        }

        String next() {
            return words.get(i++);
        }

        String peek() {
            return words.get(i);
        }

        String argument(String keyword) throws CommandException {
            if (!more()) {
                throw new CommandException(keyword + ": missing argument");
            }
            return next();
        }
    }
}
