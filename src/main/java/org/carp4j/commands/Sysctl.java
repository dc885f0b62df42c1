package org.carp4j.commands;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.carp4j.config.SysctlVar;
import org.carp4j.config.Sysctls;

/**
 * sysctl(8) for the net.inet.carp tree: `name`, `name=value`, `-w name=value`, `-n`, `-a`, a
 * prefix, and short names (`preempt=1`). Writes print `name: old -> new` as both BSDs do.
 */
public final class Sysctl {
    public static final String PREFIX = SysctlVar.PREFIX;
    public static final List<String> WRITABLE = Sysctls.NAMES;
    public static final String USAGE = "usage: carpsysctl [-Aan] [-w] name[=value] ...";
    /** The flags, each a letter as for getopt(3): -an is -a -n. */
    public static final List<String> FLAGS = List.of("-a", "-A", "-n", "-w");

    /** What a sysctl line did: the new sysctls (maybe unchanged) and the lines to print. */
    public record Result(Sysctls sysctls, List<String> lines) {
    }

    public Result run(Sysctls current, Map<String, Long> stats, List<String> args) throws CommandException {
        boolean valuesOnly = false;
        boolean all = false;
        List<String> names = new ArrayList<>();
        boolean options = true;
        for (String a : args) {
            if (options && a.equals("--")) {
                options = false;
            } else if (options && a.startsWith("-") && a.length() > 1) {
                for (char f : a.substring(1).toCharArray()) { // getopt: -an is -a -n
                    switch (f) {
                        case 'n' -> valuesOnly = true;
                        case 'a', 'A' -> all = true;
                        case 'w' -> { } // writing is implied by '='; -w is accepted as on FreeBSD
                        default -> throw new CommandException("illegal option -- " + f + "\n" + USAGE);
                    }
                }
            } else {
                names.add(a); // flags may also follow names, as with GNU getopt
            }
        }
        if (names.isEmpty() && !all) {
            throw new CommandException(USAGE);
        }
        // First check and compute everything, then apply: a bad word anywhere applies nothing.
        Sysctls next = current;
        List<String> lines = new ArrayList<>();
        if (all) {
            names.add(0, "net.inet.carp");
        }
        for (String n : names) {
            int eq = n.indexOf('=');
            String name = eq < 0 ? n : n.substring(0, eq);
            String full = fullName(name);
            if (eq < 0) {
                List<String> matches = leaves(full, stats);
                if (matches.isEmpty()) {
                    throw unknown(name);
                }
                for (String m : matches) {
                    String v = value(m, next, stats);
                    lines.add(valuesOnly ? v : m + ": " + v);
                }
                continue;
            }
            if (!full.startsWith(PREFIX)) {
                if (leaves(full, stats).isEmpty()) {
                    throw unknown(name);
                }
                throw new CommandException("oid '" + full + "' isn't a leaf node");
            }
            String shortName = full.substring(PREFIX.length());
            SysctlVar var = SysctlVar.find(shortName).orElse(null);
            if (var == null) {
                if (leaves(full, stats).isEmpty()) {
                    throw unknown(name);
                }
                throw new CommandException("oid '" + full + "' is read only");
            }
            String text = n.substring(eq + 1);
            long v;
            try {
                v = Bounded.strtonum(text, var.min(), var.max());
            } catch (Bounded.OutOfRange e) {
                if (e.getMessage().equals("invalid")) {
                    throw new CommandException("invalid integer '" + text + "'");
                }
                throw new CommandException(full + "=" + text + ": Invalid argument (" + var.min() + ".." + var.max() + ")");
            }
            int old = next.get(shortName);
            next = next.with(shortName, (int) v);
            lines.add(valuesOnly ? Long.toString(v) : full + ": " + old + " -> " + v);
        }
        return new Result(next, lines);
    }

    /** sysctl's "unknown oid", with the closest name when it looks like a typo ("preemt"). */
    private static CommandException unknown(String name) {
        boolean full = name.startsWith(PREFIX);
        List<String> known = SysctlVar.shortNames().stream().map(n -> full ? PREFIX + n : n).toList();
        return new CommandException("unknown oid '" + name + "'"
                + Suggest.closest(name, known).map(k -> ", did you mean '" + k + "'?").orElse(""));
    }

    static String fullName(String name) {
        if (name.startsWith(PREFIX) || name.equals("net.inet.carp") || name.equals("net.inet") || name.equals("net")) {
            return name;
        }
        return PREFIX + name;
    }

    /** Every leaf at or below name, in the order sysctl -a lists them. */
    static List<String> leaves(String name, Map<String, Long> stats) {
        List<String> all = new ArrayList<>();
        WRITABLE.forEach(w -> all.add(PREFIX + w));
        stats.keySet().forEach(s -> all.add(PREFIX + "stats." + s));
        return all.stream().filter(l -> l.equals(name) || l.startsWith(name + ".")).toList();
    }

    private static String value(String leaf, Sysctls s, Map<String, Long> stats) {
        String shortName = leaf.substring(PREFIX.length());
        if (shortName.startsWith("stats.")) {
            return Long.toString(stats.get(shortName.substring("stats.".length())));
        }
        return Integer.toString(s.get(shortName));
    }
}
