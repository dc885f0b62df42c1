package org.carp4j.commands;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.carp4j.config.Limits;
import org.carp4j.config.VhostConfig;

/**
 * The carpconfig vocabulary, one row per keyword after `carpconfig carpN`: the word, its value,
 * its help line and how it changes the interface. The parser ({@link Steps}), the applier
 * ({@link Ifconfig}), --help, carpsh's help and completion all read this table; the bash and zsh
 * scripts and carpconfig(8) are checked against it by a test.
 */
public enum Keyword {
    CREATE("create", Arg.NONE, Role.LIFECYCLE, "create the carp interface", null),
    DESTROY("destroy", Arg.NONE, Role.LIFECYCLE, "remove it, its addresses and its configuration", null),
    UP("up", Arg.NONE, Role.SETTING, "take part in elections (the default)", (c, v) -> c.withUp(true)),
    DOWN("down", Arg.NONE, Role.SETTING, "leave elections; a master bows out at once", (c, v) -> c.withUp(false)),
    VHID("vhid", Arg.number("n", 1, Limits.VHID_MAX), Role.SETTING, "virtual host id, unique per carpdev",
            (c, v) -> c.withVhid((Integer) v)),
    ADVBASE("advbase", Arg.number("n", Limits.ADVBASE_MIN, Limits.ADVBASE_MAX), Role.SETTING,
            "seconds between advertisements; 0 needs advskew 1..254", (c, v) -> c.withAdvbase((Integer) v)),
    ADVSKEW("advskew", Arg.number("n", 0, Limits.ADVSKEW_MAX), Role.SETTING,
            "skew in 1/256 s added to advbase; higher is less preferred", (c, v) -> c.withAdvskew((Integer) v)),
    PASS("pass", Arg.of(Arg.Kind.TEXT, "passphrase"), Role.SETTING,
            "shared passphrase, at most " + Limits.PASS_MAX_BYTES + " bytes; pass - asks for it",
            (c, v) -> c.withPassword((String) v)),
    NOPASS("-pass", Arg.NONE, Role.SETTING, "no passphrase", (c, v) -> c.withPassword("")),
    CARPDEV("carpdev", Arg.of(Arg.Kind.HOST_INTERFACE, "iface"), Role.SETTING,
            "the physical interface (default: the one whose subnet holds the address)",
            (c, v) -> c.withCarpdev((String) v)),
    NOCARPDEV("-carpdev", Arg.NONE, Role.SETTING, "choose the carpdev by subnet again", (c, v) -> c.withCarpdev(null)),
    CARPPEER("carppeer", Arg.of(Arg.Kind.IPV4, "ipv4"), Role.SETTING,
            "send IPv4 advertisements to this peer instead of 224.0.0.18",
            (c, v) -> c.withPeer((java.net.InetAddress) v)),
    NOCARPPEER("-carppeer", Arg.NONE, Role.SETTING, "back to the multicast group", (c, v) -> c.withPeer(null)),
    STATE("state", Arg.of(Arg.Kind.STATE, "init|backup|master"), Role.FORCE, "force the state now (not saved)", null),
    INET("inet", Arg.of(Arg.Kind.ADDRESS, "address"), Role.ADDRESS, "an IPv4 address (the word inet is optional)", null),
    INET6("inet6", Arg.of(Arg.Kind.ADDRESS, "address"), Role.ADDRESS, "an IPv6 address", null),
    NETMASK("netmask", Arg.of(Arg.Kind.MASK, "mask"), Role.MODIFIER,
            "after an IPv4 address: its mask, dotted or 0x hex (default: the carpdev's)", null),
    PREFIXLEN("prefixlen", Arg.number("n", 0, 128), Role.MODIFIER, "after an IPv6 address: its prefix length (default 64)",
            null),
    BROADCAST("broadcast", Arg.of(Arg.Kind.IPV4, "address"), Role.MODIFIER,
            "after an IPv4 address: its broadcast address, which must be the subnet's", null),
    ALIAS("alias", Arg.NONE, Role.MODIFIER, "before or after an address: add it (without, IPv4 replaces the primary)", null),
    NOALIAS("-alias", Arg.NONE, Role.MODIFIER, "before or after an address: remove it", null);

    /** What kind of word a row is: where it may stand and what it does. */
    public enum Role {
        /** create, destroy: the interface itself. */
        LIFECYCLE,
        /** Changes the saved configuration through {@link #apply}. */
        SETTING,
        /** Carried out at once, not saved. */
        FORCE,
        /** Starts an address. */
        ADDRESS,
        /** Only right after an address. */
        MODIFIER
    }

    /** How a setting changes the interface; the value is what {@link Steps} parsed (Integer, String, ...). */
    @FunctionalInterface
    public interface Apply {
        VhostConfig apply(VhostConfig c, Object value);
    }

    private final String word;
    private final Arg arg;
    private final Role role;
    private final String help;
    private final Apply apply;

    Keyword(String word, Arg arg, Role role, String help, Apply apply) {
        this.word = word;
        this.arg = arg;
        this.role = role;
        this.help = help;
        this.apply = apply;
    }

    public String word() {
        return word;
    }

    public Arg arg() {
        return arg;
    }

    public Role role() {
        return role;
    }

    public String help() {
        return help;
    }

    public VhostConfig apply(VhostConfig c, Object value) {
        return apply.apply(c, value);
    }

    /** "vhid n", "up", "state init|backup|master": the row as the synopsis writes it. */
    public String synopsis() {
        return arg.arity() == 0 ? word : word + " " + arg.name();
    }

    /** The help line: synopsis, the text, and the range of a number. */
    public String helpLine() {
        String range = arg.kind() == Arg.Kind.NUMBER ? " (" + arg.min() + ".." + arg.max() + ")" : "";
        return String.format("  %-26s %s%s", synopsis(), help, range);
    }

    public static Optional<Keyword> find(String word) {
        return Arrays.stream(values()).filter(k -> k.word.equals(word)).findFirst();
    }

    public static List<String> words() {
        return Arrays.stream(values()).map(Keyword::word).toList();
    }
}
