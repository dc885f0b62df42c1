package org.carp4j.lab;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.carp4j.commands.Flag;
import org.carp4j.commands.Keyword;
import org.carp4j.config.SysctlVar;
import org.carp4j.lab.CarpModel.Addr;
import org.carp4j.lab.CarpModel.Iface;

/**
 * Random carpconfig and carpsysctl command lines that reach every row of the grammar's tables
 * ({@link Keyword}, {@link Flag}, {@link SysctlVar}: only their words are read here, exhaustive
 * switches make a new row fail to compile until it has values), each with a valid or an invalid
 * value, and the outcome {@link CarpModel} expects: the words are built from clauses whose
 * meaning is written here by hand from carpconfig(8) and carpsysctl(8).
 */
final class CommandVectors {
    /** What a command line should do. */
    enum Outcome { APPLIED, REFUSED_BY_CLIENT, REFUSED_BY_DAEMON, DISPLAY }

    /** What a display should show, checked against the model. */
    enum Shows { NOTHING, ALL, LIST, GROUP, IFACE, HELP, VERSION, SYSCTL, STATE }

    /**
     * One command line and its expectation: refused ones name one of offenders in their message;
     * applied ones leave the daemon holding after.
     */
    record Vector(String tool, List<String> words, String stdin, String subject, boolean valueValid, Outcome outcome,
                  Set<String> offenders, CarpModel after, Shows shows, String about, boolean json) {
        String line() {
            return tool + " " + words.stream().map(w -> w.isEmpty() || w.contains(" ") ? "'" + w + "'" : w)
                    .reduce((a, b) -> a + " " + b).orElse("") + (stdin == null ? "" : " <<< " + stdin);
        }

        Vector withJson() {
            return new Vector(tool, words, stdin, subject, valueValid, outcome, offenders, after, shows, about, true);
        }
    }

    /** Interfaces the vectors use: few, so that vhids, carpdevs and peers collide. */
    static final List<String> NAMES = List.of("carp0", "carp1", "carp2", "carp3", "carp4");

    private final Random r;

    CommandVectors(long seed) {
        this.r = new Random(seed);
    }

    /** The subjects, one per table row: every keyword, flag, group word, sysctl and sysctl flag. */
    static List<String> subjects() {
        List<String> s = new ArrayList<>(Keyword.words());
        Flag.words().forEach(s::add);
        Flag.GroupWord.words().forEach(w -> s.add("-g carp " + w));
        SysctlVar.shortNames().forEach(n -> s.add("sysctl " + n));
        List.of("-a", "-A", "-n", "-w").forEach(f -> s.add("sysctl " + f));
        s.add("unknown word");
        s.add("interface name");
        return s;
    }

    Vector next(CarpModel m) {
        List<String> subjects = subjects();
        String subject = subjects.get(r.nextInt(subjects.size()));
        while ((subject.equals("--help") || subject.equals("--version")) && r.nextInt(4) > 0
                || subject.equals("destroy") && m.ifaces.size() < 3 && r.nextInt(3) > 0) {
            // help and version: a JVM start each, a quarter of their share; destroy: keep interfaces to work on
            subject = subjects.get(r.nextInt(subjects.size()));
        }
        if (subject.startsWith("sysctl ")) {
            return sysctl(m, subject);
        }
        if (subject.startsWith("-g carp ") || Flag.words().contains(subject)) {
            return flag(m, subject);
        }
        if (subject.equals("unknown word") || subject.equals("interface name")) {
            return oddity(m, subject);
        }
        return keyword(m, Keyword.find(subject).orElseThrow());
    }

    // ------------------------------------------------------------------ carpconfig carpN words

    /** A group of words and what it does, or why it is refused (offenders non-empty). */
    private record Clause(List<String> words, Effect effect, Set<String> offenders, boolean last) {
        static Clause ok(Effect e, String... words) {
            return new Clause(List.of(words), e, Set.of(), false);
        }

        static Clause bad(Set<String> offenders, String... words) {
            return new Clause(List.of(words), (c, x) -> { }, offenders, false);
        }
    }

    private interface Effect {
        void apply(Iface c, Ctx ctx);
    }

    /** What the words of one command did, besides the interface itself. */
    private static final class Ctx {
        final Set<String> offenders = new LinkedHashSet<>();
        final List<InetAddress> added = new ArrayList<>();
        final List<InetAddress> unmasked = new ArrayList<>();
        boolean carpdevGiven;
        boolean destroy;
        String state;
        int primaries;
    }

    private Vector keyword(CarpModel m, Keyword k) {
        String ifname = existingOr(m, 0.9);
        List<String> absent = NAMES.stream().filter(n -> !m.ifaces.containsKey(n)).toList();
        if (!absent.isEmpty() && (k == Keyword.CREATE && r.nextInt(4) > 0 || k == Keyword.DESTROY && r.nextInt(5) == 0)) {
            ifname = absent.get(r.nextInt(absent.size()));
        }
        boolean valid = r.nextInt(100) < 70;
        List<Clause> clauses = new ArrayList<>();
        Iface current = m.ifaces.get(ifname);
        if (k == Keyword.CREATE) {
            clauses.add(clause(k, valid, current, ifname, true));
            if (r.nextBoolean()) {
                clauses.addAll(extras(current, ifname, 1 + r.nextInt(3), false));
            }
        } else if (k == Keyword.DESTROY || k == Keyword.STATE) {
            clauses.add(clause(k, valid, current, ifname, true)); // alone: destroy skips the checks, state is not saved
        } else {
            // an invalid address clause goes with no other address: "alias" alone would then modify that one
            boolean noAddresses = !valid && k.role() != Keyword.Role.SETTING;
            List<Clause> extra = r.nextInt(10) < 4 ? extras(current, ifname, 1 + r.nextInt(2), noAddresses) : List.of();
            boolean atStart = extra.isEmpty() || r.nextBoolean();
            // only the first words may be a bare address: after another address it would read as its mask
            Clause subject = clause(k, valid, current, ifname, atStart);
            clauses.addAll(extra);
            clauses.add(atStart && !subject.last() ? 0 : clauses.size(), subject);
        }
        return configure(m, ifname, clauses, k.word(), valid, k == Keyword.STATE);
    }

    /** Valid settings to go with a subject (the handbook's "create vhid 1 pass ... carpdev em0 addr"). */
    private List<Clause> extras(Iface current, String ifname, int n, boolean noAddresses) {
        List<Keyword> settings = new ArrayList<>(List.of(Keyword.VHID, Keyword.ADVBASE, Keyword.ADVSKEW, Keyword.PASS,
                Keyword.NOPASS, Keyword.CARPDEV, Keyword.CARPPEER, Keyword.NOCARPPEER, Keyword.UP, Keyword.DOWN));
        if (!noAddresses) {
            settings.addAll(List.of(Keyword.INET, Keyword.INET6, Keyword.ALIAS));
        }
        List<Clause> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(clause(settings.get(r.nextInt(settings.size())), true, current, ifname, false));
        }
        return out;
    }

    private String existingOr(CarpModel m, double existing) {
        List<String> have = new ArrayList<>(m.ifaces.keySet());
        if (!have.isEmpty() && r.nextDouble() < existing) {
            return have.get(r.nextInt(have.size()));
        }
        return NAMES.get(r.nextInt(NAMES.size()));
    }

    /** The words of keyword k with a valid or an invalid value; first: it may be a bare address. */
    private Clause clause(Keyword k, boolean valid, Iface current, String ifname, boolean first) {
        return switch (k) {
            case CREATE -> Clause.ok((c, x) -> { }, "create");
            case DESTROY -> Clause.ok((c, x) -> x.destroy = true, "destroy");
            case UP -> Clause.ok((c, x) -> c.up = true, "up");
            case DOWN -> Clause.ok((c, x) -> c.up = false, "down");
            case VHID -> number(k, valid, 1, 255, v -> (c, x) -> c.vhid = v, 1, 2, 3);
            case ADVBASE -> number(k, valid, 0, 255, v -> (c, x) -> c.advbase = v, 0, 1, 2);
            case ADVSKEW -> number(k, valid, 0, 254, v -> (c, x) -> c.advskew = v, 0, 100, 254);
            case PASS -> pass(valid);
            case NOPASS -> Clause.ok((c, x) -> c.pass = "", "-pass");
            case CARPDEV -> valid ? carpdev(pick("em0", "em1"))
                    : Clause.bad(Set.of("carpdev"), "carpdev", pick("em9", "carp3", "eth0", ""));
            case NOCARPDEV -> Clause.ok((c, x) -> {
                c.carpdev = null; // "choose the carpdev by subnet again"
                x.carpdevGiven = false;
            }, "-carpdev");
            case CARPPEER -> valid ? carppeer(pick("172.16.0.2", "172.16.0.3", "192.0.2.7", "224.0.0.18", "172.16.0.100"))
                    : badValue("carppeer", pick("2001:db8::2", "239.1.1.1", "255.255.255.255", "127.0.0.1", "0.0.0.0", "x",
                            "300.1.1.1", "172.16.0"));
            case NOCARPPEER -> Clause.ok((c, x) -> c.peer = null, "-carppeer");
            case STATE -> valid ? state(pick("init", "backup", "master", "MASTER", "Backup"))
                    : badValue("state", pick("bogus", "", "up"));
            case INET, INET6, NETMASK, PREFIXLEN, BROADCAST, ALIAS, NOALIAS -> address(k, valid, current, first);
        };
    }

    private interface IntEffect {
        Effect of(int v);
    }

    private Clause number(Keyword k, boolean valid, int min, int max, IntEffect e, int... usual) {
        if (!valid) {
            if (r.nextInt(8) == 0) {
                return new Clause(List.of(k.word()), (c, x) -> { }, Set.of(k.word()), true); // missing argument
            }
            String v = pick(Integer.toString(max + 1), Integer.toString(min - 1), "x", "", "1.5", "0x10", "9999999999999999999",
                    "+1", " 1");
            return badValue(k.word(), v);
        }
        int v = r.nextBoolean() ? usual[r.nextInt(usual.length)] : min + r.nextInt(max - min + 1);
        return Clause.ok(e.of(v), k.word(), Integer.toString(v));
    }

    private Clause badValue(String keyword, String value) {
        Set<String> o = new LinkedHashSet<>(List.of(keyword));
        if (!value.isBlank()) {
            o.add(value);
        }
        return new Clause(List.of(keyword, value), (c, x) -> { }, o, false);
    }

    /** Passphrases of at most 19 bytes (UTF-8); "-h" is a passphrase there, not an option. */
    private Clause pass(boolean valid) {
        if (r.nextInt(4) == 0) {
            return Clause.ok((c, x) -> { }, "pass", "-"); // from standard input: see keyword()
        }
        String p = valid ? pick("lanpasswd", "", "-h", "\u00e9t\u00e9 2026", "a b c", "0123456789abcdefghi", "\u00e9".repeat(9))
                : pick("0123456789abcdefghij", "\u00e9".repeat(10), "x".repeat(64));
        if (!valid) {
            return new Clause(List.of("pass", p), (c, x) -> { }, Set.of("pass"), false);
        }
        return Clause.ok((c, x) -> c.pass = p, "pass", p);
    }

    private Clause carpdev(String dev) {
        return Clause.ok((c, x) -> {
            c.carpdev = dev;
            x.carpdevGiven = true;
        }, "carpdev", dev);
    }

    private Clause carppeer(String peer) {
        InetAddress a = CarpModel.addr(peer);
        return Clause.ok((c, x) -> c.peer = peer.equals("224.0.0.18") ? null : a, "carppeer", peer);
    }

    private Clause state(String s) {
        return Clause.ok((c, x) -> x.state = s.toUpperCase(java.util.Locale.ROOT), "state", s);
    }

    // ------------------------------------------------------------------ addresses

    private static final String[] V4 = {"172.16.0.100", "172.16.0.101", "172.16.0.102", "172.16.0.120", "192.0.2.100",
        "192.0.2.101", "10.9.9.9"};
    private static final String[] V6 = {"2001:db8::100", "2001:db8::101", "2001:db8::102"};

    private Clause address(Keyword k, boolean valid, Iface current, boolean first) {
        boolean bare = first && r.nextBoolean();
        if (!valid) {
            return badAddress(k, current, bare);
        }
        if (k == Keyword.NOALIAS) {
            if (current == null || current.addrs.isEmpty()) {
                return removal(pick(V4), bare); // no such address: a refusal the model finds
            }
            Addr a = current.addrs.get(r.nextInt(current.addrs.size()));
            return removal(a.address().getHostAddress(), bare);
        }
        boolean v6 = k == Keyword.INET6 || k == Keyword.PREFIXLEN || (k == Keyword.ALIAS && r.nextInt(4) == 0);
        if (v6) {
            String a = pick(V6);
            List<String> w = new ArrayList<>(bare ? List.of(a) : List.of("inet6", a));
            int prefix = 64;
            int form = k == Keyword.PREFIXLEN ? 2 : r.nextInt(3);
            if (form == 1) {
                prefix = pickInt(48, 64, 120);
                w.set(w.size() - 1, a + "/" + prefix);
            } else if (form == 2) {
                prefix = pickInt(0, 64, 128);
                w.add("prefixlen");
                w.add(Integer.toString(prefix));
            }
            if (k == Keyword.ALIAS) {
                w.add("alias");
            }
            InetAddress ia = CarpModel.addr(a);
            int p = prefix;
            return new Clause(w, (c, x) -> {
                alias(c, new Addr(ia, p));
                x.added.add(ia);
            }, Set.of(), false);
        }
        String a = pick(V4);
        InetAddress ia = CarpModel.addr(a);
        List<String> w = new ArrayList<>(bare ? List.of(a) : List.of("inet", a));
        Integer prefix = null;
        int form = k == Keyword.NETMASK ? 2 + r.nextInt(2) : k == Keyword.BROADCAST ? 1 + r.nextInt(2) : r.nextInt(5);
        if (form > 0 && form < 4) { // 0 and 4: no mask
            prefix = pickInt(24, 24, 25, 16, 32);
        }
        switch (form) {
            case 1 -> w.set(w.size() - 1, a + "/" + prefix);
            case 2 -> w.addAll(List.of("netmask", r.nextBoolean() ? dotted(prefix) : hex(prefix)));
            case 3 -> w.add(r.nextBoolean() ? dotted(prefix) : hex(prefix)); // positional, as hostname.if(5)
            default -> { }
        }
        if (k == Keyword.BROADCAST || (prefix != null && r.nextInt(4) == 0)) {
            String b = broadcast(ia, prefix);
            if (r.nextBoolean() || k == Keyword.BROADCAST || form == 1) {
                w.addAll(List.of("broadcast", b));
            } else {
                w.add(b); // positional: the third word
            }
        }
        boolean alias = k == Keyword.ALIAS || r.nextInt(3) == 0;
        if (alias) {
            w.add("alias");
        }
        Integer p = prefix;
        return new Clause(w, (c, x) -> {
            Addr v = new Addr(ia, p == null ? 32 : p);
            if (alias) {
                alias(c, v);
            } else {
                x.primaries++;
                primary(c, v);
            }
            x.added.add(ia);
            x.unmasked.remove(ia); // the last mask given for an address decides
            if (p == null) {
                x.unmasked.add(ia);
            }
        }, Set.of(), false);
    }

    private Clause removal(String a, boolean bare) {
        InetAddress ia = CarpModel.addr(a);
        List<String> w = new ArrayList<>(bare ? List.of(a) : List.of(ia instanceof Inet4Address ? "inet" : "inet6", a));
        w.add("-alias");
        return new Clause(w, (c, x) -> {
            if (!c.addrs.removeIf(v -> v.address().equals(ia))) {
                x.offenders.add(a);
            }
        }, Set.of(), false);
    }

    /** "alias": added, or moved to the end with its new prefix if it was there. */
    static void alias(Iface c, Addr v) {
        c.addrs.removeIf(o -> o.address().equals(v.address()));
        c.addrs.add(v);
    }

    /** Without alias an IPv4 address replaces the primary (first IPv4) address; the others stay. */
    static void primary(Iface c, Addr v) {
        Addr old = c.primary();
        if (old == null) {
            c.addrs.removeIf(o -> o.address().equals(v.address()));
            c.addrs.add(0, v);
            return;
        }
        int at = c.addrs.indexOf(old);
        c.addrs.set(at, v);
        for (int i = c.addrs.size() - 1; i >= 0; i--) {
            if (i != at && c.addrs.get(i).address().equals(v.address())) {
                c.addrs.remove(i);
            }
        }
    }

    private Clause badAddress(Keyword k, Iface current, boolean bare) {
        String lead = bare ? null : "inet";
        return switch (k) {
            case INET -> switch (r.nextInt(8)) {
                case 0 -> words(Set.of("300.1.1.1"), lead, "300.1.1.1");
                case 1 -> words(Set.of("2001:db8::5"), "inet", "2001:db8::5");
                case 2 -> words(Set.of("224.0.0.5"), lead, "224.0.0.5");
                case 3 -> words(Set.of("127.0.0.5"), lead, "127.0.0.5");
                case 4 -> words(Set.of("172.16.0.0"), lead, "172.16.0.0/24");
                case 5 -> words(Set.of("172.16.0.255"), lead, "172.16.0.255/24");
                case 6 -> words(Set.of("172.16.0.100/33"), lead, "172.16.0.100/33");
                default -> new Clause(List.of("inet"), (c, x) -> { }, Set.of("inet"), true);
            };
            case INET6 -> switch (r.nextInt(4)) {
                case 0 -> words(Set.of("172.16.0.5"), "inet6", "172.16.0.5");
                case 1 -> words(Set.of("ff02::1"), "inet6", "ff02::1");
                case 2 -> words(Set.of("2001:db8::100/129"), "inet6", "2001:db8::100/129");
                default -> words(Set.of("::1"), "inet6", "::1");
            };
            case NETMASK -> switch (r.nextInt(4)) {
                case 0 -> words(Set.of("255.0.255.0"), "inet", "172.16.0.100", "netmask", "255.0.255.0");
                case 1 -> words(Set.of("0xff00ff00"), "inet", "172.16.0.100", "0xff00ff00");
                case 2 -> words(Set.of("x"), "inet", "172.16.0.100", "netmask", "x");
                default -> words(Set.of("netmask"), "netmask", "255.255.255.0");
            };
            case PREFIXLEN -> switch (r.nextInt(3)) {
                case 0 -> words(Set.of("prefixlen", "129"), "inet6", "2001:db8::100", "prefixlen", "129");
                case 1 -> words(Set.of("prefixlen"), "inet", "172.16.0.100/24", "prefixlen", "24");
                default -> words(Set.of("prefixlen"), "prefixlen", "64");
            };
            case BROADCAST -> switch (r.nextInt(4)) {
                case 0 -> words(Set.of("broadcast", "172.16.0.254"), "inet", "172.16.0.100/24", "broadcast", "172.16.0.254");
                case 1 -> words(Set.of("broadcast"), "inet", "172.16.0.100", "broadcast", "172.16.0.255");
                case 2 -> words(Set.of("broadcast"), "inet", "172.16.0.100/24", "broadcast", "x");
                default -> words(Set.of("broadcast"), "broadcast", "172.16.0.255");
            };
            case ALIAS -> words(Set.of("alias"), "alias");
            case NOALIAS -> r.nextBoolean() ? words(Set.of("-alias"), "-alias")
                    : removal("10.77.0." + (1 + r.nextInt(250)), bare); // never an address of carp
            default -> throw new IllegalArgumentException(k.toString());
        };
    }

    private static Clause words(Set<String> offenders, String... words) {
        List<String> w = new ArrayList<>();
        for (String s : words) {
            if (s != null) {
                w.add(s);
            }
        }
        return new Clause(w, (c, x) -> { }, offenders, false);
    }

    static String dotted(int prefix) {
        long m = prefix == 0 ? 0 : (0xffff_ffffL << (32 - prefix)) & 0xffff_ffffL;
        return (m >> 24) + "." + ((m >> 16) & 255) + "." + ((m >> 8) & 255) + "." + (m & 255);
    }

    static String hex(int prefix) {
        long m = prefix == 0 ? 0 : (0xffff_ffffL << (32 - prefix)) & 0xffff_ffffL;
        return String.format("0x%08x", m);
    }

    static String broadcast(InetAddress a, int prefix) {
        byte[] b = a.getAddress();
        for (int bit = prefix; bit < 32; bit++) {
            b[bit / 8] |= (byte) (0x80 >> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(b).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ the model's verdict

    /** carpconfig IFNAME CLAUSES...: the man page's rules, in the order a reader applies them. */
    private Vector configure(CarpModel m, String ifname, List<Clause> clauses, String subject, boolean valueValid,
                             boolean forcesState) {
        List<String> words = new ArrayList<>(List.of(ifname));
        clauses.forEach(c -> words.addAll(c.words()));
        String stdin = null;
        boolean stdinPass = false;
        for (int i = 1; i + 1 < words.size(); i++) {
            if (words.get(i).equals("pass") && words.get(i + 1).equals("-")) {
                stdinPass = true;
            }
        }
        Ctx x = new Ctx();
        clauses.forEach(c -> x.offenders.addAll(c.offenders()));
        CarpModel next = m.copy();
        Iface c = next.ifaces.get(ifname);
        if (stdinPass) {
            if (r.nextInt(3) == 0) {
                return new Vector("carpconfig", words, null, subject, valueValid, Outcome.REFUSED_BY_CLIENT,
                        Set.of("pass -: no password was given"), m, Shows.NOTHING, ifname, false);
            }
            boolean ok = r.nextInt(4) > 0;
            stdin = ok ? pick("from stdin", "\u00e9t\u00e9", "x") : "0123456789abcdefghijk";
            String p = stdin;
            if (!ok) {
                x.offenders.add("pass");
            }
            clauses = new ArrayList<>(clauses);
            for (int i = 0; i < clauses.size(); i++) {
                if (clauses.get(i).words().equals(List.of("pass", "-"))) {
                    clauses.set(i, Clause.ok((v, y) -> v.pass = p, "pass", "-"));
                }
            }
        }
        if (!ifname.matches("carp[0-9]{1,4}")) {
            x.offenders.add(ifname);
        }
        boolean creates = !clauses.isEmpty() && clauses.get(0).words().equals(List.of("create"));
        if (creates && c != null) {
            x.offenders.add(ifname); // interface exists
        }
        if (!creates && c == null) {
            x.offenders.add(ifname); // no such interface
        }
        if (c == null) {
            c = new Iface(ifname);
        }
        for (Clause cl : clauses) {
            cl.effect().apply(c, x);
        }
        if (x.primaries > 1) {
            x.offenders.add("alias");
        }
        if (!x.destroy) {
            settle(c, x);
            next.ifaces.put(ifname, c);
            checkAll(next, c, x);
        } else {
            next.ifaces.remove(ifname);
        }
        if (!x.offenders.isEmpty()) {
            return new Vector("carpconfig", words, stdin, subject, valueValid, Outcome.REFUSED_BY_DAEMON, x.offenders, m,
                    Shows.NOTHING, ifname, false);
        }
        if (forcesState && !x.state.equals("INIT") && (!c.up || c.vhid == 0 || c.carpdev == null || c.addrs.isEmpty())) {
            // master or backup needs an interface that can run: "carp0: cannot leave INIT: interface down"
            return new Vector("carpconfig", words, stdin, subject, valueValid, Outcome.REFUSED_BY_DAEMON,
                    Set.of(ifname + ": cannot leave INIT"), m, Shows.NOTHING, ifname, false);
        }
        if (forcesState) {
            return new Vector("carpconfig", words, stdin, subject, valueValid, Outcome.APPLIED, Set.of(), m, Shows.STATE,
                    ifname + " " + x.state, false);
        }
        return new Vector("carpconfig", words, stdin, subject, valueValid, Outcome.APPLIED, Set.of(), next, Shows.IFACE,
                ifname, false);
    }

    /** The carpdev by subnet, and the prefix of addresses given without a mask. */
    private static void settle(Iface c, Ctx x) {
        if (c.carpdev == null && !x.carpdevGiven && !c.addrs.isEmpty()) {
            c.carpdev = c.addrs.stream().flatMap(a -> CarpModel.HOST.stream().filter(h -> h.holds(a.address())))
                    .map(CarpModel.HostSubnet::dev).findFirst().orElse(null);
            if (c.carpdev == null) {
                x.offenders.add("carpdev");
            }
        }
        for (int i = 0; i < c.addrs.size(); i++) {
            Addr a = c.addrs.get(i);
            if (x.unmasked.contains(a.address())) {
                int prefix = CarpModel.HOST.stream().filter(h -> h.dev().equals(c.carpdev) && h.holds(a.address()))
                        .map(CarpModel.HostSubnet::prefix).findFirst().orElse(32);
                c.addrs.set(i, new Addr(a.address(), prefix));
            }
        }
    }

    /** The rules over the whole configuration: addresses, vhid per carpdev, intervals, peers. */
    private static void checkAll(CarpModel next, Iface c, Ctx x) {
        for (Addr a : c.addrs) {
            if (!x.added.contains(a.address())) {
                continue;
            }
            String text = a.address().getHostAddress();
            if (a.v4() && a.prefix() <= 30) {
                String net = broadcastOrNetwork(a);
                if (net != null) {
                    x.offenders.add(text);
                }
            }
            if (CarpModel.isHostAddress(a.address())) {
                x.offenders.add(text);
            }
        }
        if (c.advbase == 0 && c.advskew == 0) {
            x.offenders.add("advbase 0");
        }
        if (c.peer != null && c.addrs.stream().anyMatch(a -> a.address().equals(c.peer))) {
            x.offenders.add(c.peer.getHostAddress());
        }
        if (c.vhid > 0 && c.carpdev != null) {
            for (Iface o : next.ifaces.values()) {
                if (o != c && o.vhid == c.vhid && c.carpdev.equals(o.carpdev)) {
                    x.offenders.add("vhid " + c.vhid);
                }
            }
        }
    }

    private static String broadcastOrNetwork(Addr a) {
        if (broadcast(a.address(), a.prefix()).equals(a.address().getHostAddress())) {
            return "broadcast";
        }
        return networkOf(a).equals(a.address()) ? "network" : null;
    }

    private static InetAddress networkOf(Addr a) {
        byte[] b = a.address().getAddress();
        for (int bit = a.prefix(); bit < 32; bit++) {
            b[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ flags, -g carp, oddities

    private Vector flag(CarpModel m, String subject) {
        boolean json = r.nextInt(3) == 0;
        List<String> w = new ArrayList<>();
        Vector v;
        switch (subject) {
            case "-a" -> {
                if (r.nextInt(4) == 0) {
                    return refused(m, subject, List.of("-a", existingOr(m, 1)), Set.of("-a"));
                }
                w.add("-a");
                v = display(m, subject, w, Shows.ALL, null);
            }
            case "-l" -> {
                if (r.nextInt(4) == 0) {
                    return refused(m, subject, List.of("-l", "carp0"), Set.of("-l"));
                }
                w.add("-l");
                v = display(m, subject, w, Shows.LIST, null);
            }
            case "--json" -> {
                String ifname = existingOr(m, 0.8);
                if (r.nextInt(4) == 0) {
                    return refused(m, subject, List.of(ifname, "up", "--json"), Set.of("--json"));
                }
                if (!m.ifaces.containsKey(ifname)) {
                    return refused(m, subject, List.of(ifname, "--json"), Set.of(ifname));
                }
                return display(m, subject, new ArrayList<>(r.nextBoolean() ? List.of("--json", ifname) : List.of(ifname, "--json")), Shows.IFACE, ifname).withJson();
            }
            case "-g" -> {
                switch (r.nextInt(4)) {
                    case 0 -> {
                        return refused(m, subject, List.of("-g"), Set.of("-g"));
                    }
                    case 1 -> {
                        return refused(m, subject, List.of("-g", pick("nope", "carp0", "CARP")), Set.of("group", "-g"));
                    }
                    default -> {
                        w.addAll(List.of("-g", "carp"));
                        v = display(m, subject, w, Shows.GROUP, null);
                    }
                }
            }
            case "--help", "--version" -> {
                boolean help = subject.equals("--help");
                String word = help ? pick("--help", "-h") : pick("--version", "-V");
                return new Vector(r.nextBoolean() ? "carpconfig" : "carpsysctl", List.of(word), null, subject, true,
                        Outcome.DISPLAY, Set.of(), m, help ? Shows.HELP : Shows.VERSION, null, false);
            }
            default -> {
                return demote(m, subject);
            }
        }
        if (json) {
            v.words().add(r.nextInt(v.words().size() + 1), "--json");
            return v.withJson();
        }
        return v;
    }

    /** -g carp [-]carpdemote [n]: n is 0..128, default 1; the counter stays within 0..255. */
    private Vector demote(CarpModel m, String subject) {
        String word = subject.substring("-g carp ".length());
        List<String> w = new ArrayList<>(List.of("-g", "carp", word));
        int sign = word.startsWith("-") ? -1 : 1;
        int n = 1;
        switch (r.nextInt(6)) {
            case 0 -> { }
            case 1 -> {
                String bad = pick("129", "-1", "x", "");
                w.add(bad);
                return refused(m, subject, w, Set.of("demotion"));
            }
            case 2 -> {
                w.addAll(List.of("1", "2"));
                return refused(m, subject, w, Set.of("2"));
            }
            case 3 -> {
                w.add("--json");
                return refused(m, subject, w, Set.of("--json"));
            }
            default -> {
                n = r.nextInt(4) == 0 ? r.nextInt(129) : r.nextInt(4);
                w.add(Integer.toString(n));
            }
        }
        int next = m.demote + sign * n;
        if (next < 0 || next > CarpModel.DEMOTE_MAX) {
            return refused(m, subject, w, Set.of("demote count would be " + next));
        }
        CarpModel after = m.copy();
        after.demote = next;
        return new Vector("carpconfig", w, null, subject, true, Outcome.APPLIED, Set.of(), after, Shows.GROUP, null, false);
    }

    private Vector oddity(CarpModel m, String subject) {
        if (subject.equals("interface name")) {
            String ifname = pick("carp", "em0", "carp00001", "carpx", "CARP0", "carp-1");
            return refused(m, subject, List.of(ifname, "up"), Set.of(ifname));
        }
        String ifname = existingOr(m, 0.9);
        if (r.nextInt(5) == 0) {
            String opt = pick("-x", "-A", "-carp0");
            return refused(m, subject, List.of(opt), Set.of("illegal option -- " + opt.substring(1)));
        }
        String word = pick("mtu", "vhdi", "advksew", "description", "--help", "bogus", "\u00e9t\u00e9", "carp0", "\\");
        return refused(m, subject, new ArrayList<>(List.of(ifname, "vhid", "1", word)), Set.of(word));
    }

    private Vector refused(CarpModel m, String subject, List<String> words, Set<String> offenders) {
        return new Vector("carpconfig", words, null, subject, false, Outcome.REFUSED_BY_DAEMON, offenders, m, Shows.NOTHING,
                null, false);
    }

    private Vector display(CarpModel m, String subject, List<String> words, Shows shows, String about) {
        return new Vector("carpconfig", new ArrayList<>(words), null, subject, true, Outcome.DISPLAY, Set.of(), m, shows,
                about, false);
    }

    // ------------------------------------------------------------------ carpsysctl

    /** carpsysctl(8): names short or whole; name=value writes; -n values only; -a, -A everything; -w ignored. */
    private Vector sysctl(CarpModel m, String subject) {
        String word = subject.substring("sysctl ".length());
        List<String> w = new ArrayList<>();
        if (word.startsWith("-")) {
            switch (word) {
                case "-a", "-A" -> w.add(r.nextBoolean() ? word : word + "n");
                case "-n" -> {
                    w.add("-n");
                    w.add(fullOrShort(pick(CarpModel.SYSCTLS.keySet().toArray(String[]::new))));
                }
                default -> {
                    if (r.nextBoolean()) {
                        return sysctlRefused(m, subject, List.of("-w"), Set.of("usage"));
                    }
                    w.add("-w");
                    return sysctlWrite(m, subject, w, pick(CarpModel.SYSCTLS.keySet().toArray(String[]::new)));
                }
            }
            if (r.nextInt(5) == 0) {
                w.add("-q");
                return sysctlRefused(m, subject, w, Set.of("illegal option -- q"));
            }
            return new Vector("carpsysctl", w, null, subject, true, Outcome.DISPLAY, Set.of(), m, Shows.SYSCTL, null, false);
        }
        if (r.nextInt(3) == 0) {
            w.add(fullOrShort(word));
            if (r.nextInt(4) == 0) {
                w.add(fullOrShort(pick("preemt", "bogus", "stats.nosuch")));
                return sysctlRefused(m, subject, w, Set.of("unknown oid"));
            }
            return new Vector("carpsysctl", w, null, subject, true, Outcome.DISPLAY, Set.of(), m, Shows.SYSCTL, null, false);
        }
        return sysctlWrite(m, subject, w, word);
    }

    private Vector sysctlWrite(CarpModel m, String subject, List<String> w, String name) {
        CarpModel.SysctlRow row = CarpModel.SYSCTLS.get(name);
        boolean valid = r.nextInt(100) < 60;
        String value = valid ? Integer.toString(row.min() + r.nextInt(row.max() - row.min() + 1))
                : pick(Integer.toString(row.max() + 1), "-1", "x", "", "1.0", "99999999999");
        w.add(fullOrShort(name) + "=" + value);
        Set<String> offenders = new LinkedHashSet<>();
        if (!valid) {
            offenders.add(value.isEmpty() || value.equals("x") || value.equals("1.0") ? "invalid integer '" + value + "'"
                    : "Invalid argument");
        }
        CarpModel after = m.copy();
        if (valid) {
            after.sysctls.put(name, Integer.parseInt(value));
        }
        if (r.nextInt(5) == 0) { // a second word: all or nothing
            String other = pick(CarpModel.SYSCTLS.keySet().toArray(String[]::new));
            if (r.nextBoolean()) {
                w.add(fullOrShort(other) + "=" + pick("x", "-5"));
                offenders.add("invalid integer");
                offenders.add("Invalid argument");
            } else {
                w.add(fullOrShort(pick("net.inet.carp", "bogus", "stats.nosuch")) + "=1");
                offenders.add("unknown oid");
                offenders.add("leaf");
            }
        }
        if (r.nextInt(8) == 0) {
            w.add(r.nextInt(w.size() + 1), "-w");
        }
        if (!offenders.isEmpty()) {
            return sysctlRefused(m, subject, w, offenders);
        }
        return new Vector("carpsysctl", w, null, subject, true, Outcome.APPLIED, Set.of(), after, Shows.SYSCTL, name, false);
    }

    private Vector sysctlRefused(CarpModel m, String subject, List<String> w, Set<String> offenders) {
        return new Vector("carpsysctl", w, null, subject, false, Outcome.REFUSED_BY_DAEMON, offenders, m, Shows.NOTHING, null,
                false);
    }

    private String fullOrShort(String name) {
        return name.startsWith("net.") || r.nextBoolean() ? name : SysctlVar.PREFIX + name;
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[r.nextInt(options.length)];
    }

    private int pickInt(int... options) {
        return options[r.nextInt(options.length)];
    }
}
