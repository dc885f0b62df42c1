package org.carp4j.commands;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.carp4j.config.Limits;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.CarpState;

/**
 * The words after `carpconfig carpN` into {@link Step}s, by the {@link Keyword} table alone (no
 * configuration, no host): every word is checked here, so a refusal names the word.
 */
public final class Steps {
    private Steps() {
    }

    public static List<Step> parse(List<String> words) throws CommandException {
        Cursor in = new Cursor(words);
        List<Step> out = new ArrayList<>();
        Step.Address primary = null;
        // `alias ADDR` / `-alias ADDR`, the BSD ifconfig word before the address. Once a command
        // uses it, an alias word binds forward (to the next address) unless it is the last word,
        // so `-alias A -alias B` removes both and never makes B the primary.
        boolean leadingForm = false;
        String leading = null;
        while (in.more()) {
            String w = in.next();
            Keyword k = Keyword.find(w).orElse(null);
            Step step;
            if ((k == Keyword.ALIAS || k == Keyword.NOALIAS) && leading == null && in.more()) {
                leading = w;
                leadingForm = true;
                continue;
            }
            Leading before = leading == null ? null : new Leading(leading, w);
            leading = null;
            if (k == null) {
                if (!looksLikeAddress(w)) {
                    if (before != null) {
                        throw before.notAnAddress();
                    }
                    throw Suggest.unknown("keyword", w, Keyword.words());
                }
                step = address(in, w, w.contains(":"), before, leadingForm);
            } else if (k.role() == Keyword.Role.ADDRESS) {
                step = address(in, in.argument(w), k == Keyword.INET6, before, leadingForm);
            } else if (before != null) {
                throw before.notAnAddress();
            } else if (k.role() == Keyword.Role.MODIFIER) {
                throw new CommandException(w + ": needs an address" + (k == Keyword.ALIAS || k == Keyword.NOALIAS
                        ? " before or after it" : " before it"));
            } else {
                step = new Step.Word(k, k.arg().arity() == 0 ? null : value(k, in.argument(w)));
            }
            if (step instanceof Step.Address a && !a.v6() && a.mode() == Step.Mode.PRIMARY) {
                if (primary != null) {
                    // ifconfig keeps one primary address; the first would be lost without a word
                    throw new CommandException(a.word() + ": a second address needs alias (" + primary.word()
                            + " is already the primary address in this command)");
                }
                primary = a;
            }
            out.add(step);
        }
        return out;
    }

    /** `alias` or `-alias` before an address (`word`), and the word that followed it. */
    private record Leading(String word, String next) {
        Step.Mode mode() {
            return word.equals(Keyword.ALIAS.word()) ? Step.Mode.ALIAS : Step.Mode.REMOVE;
        }

        CommandException notAnAddress() {
            return new CommandException(word + ": needs an address after it, not " + next);
        }
    }

    /** A keyword's value, checked by its {@link Arg}. */
    static Object value(Keyword k, String v) throws CommandException {
        return switch (k.arg().kind()) {
            case NUMBER -> Bounded.keyword(k.word(), v, k.arg().min(), k.arg().max());
            case TEXT -> {
                if (v.getBytes(StandardCharsets.UTF_8).length > Limits.PASS_MAX_BYTES) {
                    throw new CommandException(k.word() + ": longer than " + Limits.PASS_MAX_BYTES + " characters");
                }
                yield v;
            }
            case HOST_INTERFACE -> {
                if (v.matches("carp[0-9]+")) {
                    throw new CommandException(k.word() + " " + v + ": a carp interface cannot carry carp (carp on carp)");
                }
                yield v;
            }
            case IPV4 -> carppeer(v);
            case STATE -> {
                try {
                    yield CarpState.valueOf(v.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new CommandException(k.word() + " " + v + ": bad value (init, backup or master)");
                }
            }
            case NONE, ADDRESS, MASK -> throw new IllegalStateException(k + " has no plain value");
        };
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

    static boolean looksLikeAddress(String w) {
        return w.matches("[0-9]+\\.[0-9.]*(/[0-9]+)?") || w.matches("[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(/[0-9]+)?");
    }

    private static boolean dottedQuad(String w) {
        return w.matches("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+");
    }

    /**
     * ADDR[/len] [MASK | netmask MASK | prefixlen N] [BROADCAST | broadcast B] [alias | -alias]. The
     * positional broadcast is the hostname.if(5) form `inet ADDR MASK BROADCAST`.
     */
    private static Step.Address address(Cursor in, String word, boolean v6, Leading before, boolean leadingForm)
            throws CommandException {
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
        if (a.isLoopbackAddress()) {
            throw new CommandException(word + ": a loopback address cannot be a carp address");
        }
        if (in.more() && prefix == null) {
            String m = in.peek();
            if (!v6 && m.equals(Keyword.NETMASK.word())) {
                in.next();
                prefix = mask(in.argument(m));
            } else if (v6 && m.equals(Keyword.PREFIXLEN.word())) {
                in.next();
                String n = in.argument(m);
                prefix = Bounded.keyword(m, n, 0, 128);
            } else if (!v6 && (dottedQuad(m) || m.startsWith("0x"))) {
                in.next();
                try {
                    prefix = mask(m);
                } catch (CommandException e) {
                    if (m.startsWith("255.") || m.startsWith("0x")) {
                        throw e; // meant as a mask
                    }
                    throw new CommandException(m + ": not a netmask; a second address needs alias");
                }
            }
        }
        InetAddress broadcast = null;
        if (!v6 && in.more() && (in.peek().equals(Keyword.BROADCAST.word()) || (prefix != null && dottedQuad(in.peek())))) {
            String b = in.next();
            if (b.equals(Keyword.BROADCAST.word())) {
                b = in.argument(b);
            }
            broadcast = broadcast(word, a, prefix, b);
        }
        Step.Mode mode = before != null ? before.mode()
                : v6 ? Step.Mode.ALIAS // IPv6 addresses are always added, as on the BSDs
                : Step.Mode.PRIMARY;
        boolean after = in.more() && (in.peek().equals(Keyword.ALIAS.word()) || in.peek().equals(Keyword.NOALIAS.word()));
        if (after && (!leadingForm || in.remaining() == 1)) { // in the leading form a word between addresses is the next one's
            Step.Mode own = in.next().equals(Keyword.ALIAS.word()) ? Step.Mode.ALIAS : Step.Mode.REMOVE;
            if (before != null && own != before.mode()) {
                throw new CommandException(before.word() + " " + word + ": both alias and -alias");
            }
            mode = own;
        }
        return new Step.Address(word, a, prefix, broadcast, mode);
    }

    /** carp4j sets the subnet's broadcast address; another one is refused rather than ignored. */
    private static InetAddress broadcast(String word, InetAddress a, Integer prefix, String b) throws CommandException {
        InetAddress given;
        try {
            given = VipAddress.Inet.parseLiteral(b);
        } catch (IllegalArgumentException e) {
            throw new CommandException("broadcast " + b + ": bad address");
        }
        if (prefix == null) {
            throw new CommandException("broadcast " + b + ": needs a netmask for " + word);
        }
        InetAddress expected = new VipAddress(a, prefix).broadcast();
        if (!given.equals(expected)) {
            throw new CommandException("broadcast " + b + ": not the broadcast address of " + a.getHostAddress() + "/"
                    + prefix + " (" + expected.getHostAddress() + "), the only one carpconfig sets");
        }
        return given;
    }

    private static int prefixLength(String word, String n, int max) throws CommandException {
        try {
            return (int) Bounded.strtonum(n, 0, max);
        } catch (Bounded.OutOfRange e) {
            throw new CommandException(word + ": bad prefix length");
        }
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

        int remaining() {
            return words.size() - i;
        }

        String argument(String keyword) throws CommandException {
            if (!more()) {
                throw new CommandException(keyword + ": missing argument");
            }
            return next();
        }
    }
}
