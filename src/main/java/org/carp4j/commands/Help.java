package org.carp4j.commands;

import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.carp4j.config.SysctlVar;

/** The --help texts of carpconfig and carpsysctl and carpsh's help, written from the tables. */
public final class Help {
    private Help() {
    }

    public static String carpconfig() {
        StringBuilder b = new StringBuilder();
        b.append("usage: carpconfig [-a | -l] [--json]\n")
                .append("       carpconfig carpN [--json]\n")
                .append("       carpconfig carpN keyword ... [address [mask] [alias | -alias]]\n")
                .append("       carpconfig -g carp [[-]carpdemote [n]] [--json]\n")
                .append("Configure and show carp interfaces the way ifconfig(8) does; keywords come in any\n")
                .append("order, and all the words of a command are applied together or not at all.\n\n")
                .append("keywords:\n");
        for (Keyword k : Keyword.values()) {
            b.append(k.helpLine()).append('\n');
        }
        b.append("  address[/len]              an IPv4 or IPv6 address (the word inet or inet6 is optional)\n")
                .append("\noptions:\n");
        for (Flag f : Flag.values()) {
            b.append(f.helpLine()).append('\n');
        }
        for (Flag.GroupWord g : Flag.GroupWord.values()) {
            b.append(String.format("  %-26s %s (0..%d)%n", "-g carp " + g.word() + " [n]", g.help(), Flag.GroupWord.MAX));
        }
        return b.toString();
    }

    public static String carpsysctl() {
        StringBuilder b = new StringBuilder();
        b.append(Sysctl.USAGE).append('\n')
                .append("Read and set the net.inet.carp variables the way sysctl(8) does; the prefix\n")
                .append("net.inet.carp. is optional. A write prints name: old -> new.\n")
                .append("  -a, -A   list every variable and the receive counters (stats.*)\n")
                .append("  -n       print values only\n")
                .append("  -w       accepted; a name=value writes\n\nvariables:\n");
        for (SysctlVar v : SysctlVar.values()) {
            b.append(String.format("  %-27s %d..%d, default %d: %s%n", v.fullName(), v.min(), v.max(), v.defaultValue(),
                    v.help()));
        }
        b.append(String.format("  %-27s read only: the receive counters%n", SysctlVar.PREFIX + "stats.*"));
        return b.toString();
    }

    /** carpsh's `help`: the two commands' synopses from the tables, and the shell's own words. */
    public static String shell() {
        String keywords = Stream.of(Keyword.values()).map(Keyword::synopsis).collect(Collectors.joining(" | "));
        String sysctls = SysctlVar.shortNames().stream().collect(Collectors.joining(" "));
        return "carpconfig carpN [" + wrap(keywords, "                 ") + "]\n"
                + "carpconfig carpN pass -           (asks for the password; history keeps pass ***)\n"
                + "carpconfig -a | -l | carpN [--json]     carpconfig -g carp [[-]carpdemote [n]]\n"
                + "carpsysctl [-anw] net.inet.carp.NAME[=VALUE]   NAME: " + sysctls + " stats\n"
                + "status      show every carp interface (carpconfig -a)\n"
                + "ifconfig and sysctl are the same commands; a leading prompt (\"# \", \"$ \", \"host# \") is\n"
                + "ignored, \";\" separates commands, a line ending in \\ continues on the next, \"#text\" is a\n"
                + "comment. carpconfig --help and carpsysctl --help say more.\n"
                + "exit, quit, or end of input to leave.\n";
    }

    private static String wrap(String text, String indent) {
        StringBuilder b = new StringBuilder();
        int col = 0;
        for (String part : text.split(" \\| ")) {
            String piece = (b.length() == 0 ? "" : " | ") + part;
            if (col + piece.length() > 70) {
                b.append("\n").append(indent);
                col = 0;
                piece = "| " + part;
            }
            b.append(piece);
            col += piece.length();
        }
        return b.toString();
    }
}
