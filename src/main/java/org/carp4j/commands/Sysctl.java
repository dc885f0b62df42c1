package org.carp4j.commands;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.carp4j.config.Limits;
import org.carp4j.config.Sysctls;

/**
 * sysctl(8) for the net.inet.carp tree: `name`, `name=value`, `-w name=value`, `-n`, `-a`, a
 * prefix, and short names (`preempt=1`). Writes print `name: old -> new` as both BSDs do.
 */
public final class Sysctl {
    public static final String PREFIX = "net.inet.carp.";
    public static final List<String> WRITABLE = Sysctls.NAMES;

    /** What a sysctl line did: the new sysctls (maybe unchanged) and the lines to print. */
    public record Result(Sysctls sysctls, List<String> lines) {
    }

    public Result run(Sysctls current, Map<String, Long> stats, List<String> args) throws CommandException {
        boolean valuesOnly = false;
        boolean all = false;
        List<String> names = new ArrayList<>();
        for (String a : args) {
            switch (a) {
                case "-n" -> valuesOnly = true;
                case "-a", "-A" -> all = true;
                case "-w" -> { } // writing is implied by '='; -w is accepted as on FreeBSD
                default -> {
                    if (a.startsWith("-")) {
                        throw new CommandException("illegal option -- " + a.substring(1));
                    }
                    names.add(a);
                }
            }
        }
        if (names.isEmpty() && !all) {
            throw new CommandException("usage: carpsysctl [-n] [-a] [-w] name[=value] ...");
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
                    throw new CommandException("unknown oid '" + name + "'");
                }
                for (String m : matches) {
                    String v = value(m, next, stats);
                    lines.add(valuesOnly ? v : m + ": " + v);
                }
                continue;
            }
            if (!full.startsWith(PREFIX)) {
                if (leaves(full, stats).isEmpty()) {
                    throw new CommandException("unknown oid '" + name + "'");
                }
                throw new CommandException("oid '" + full + "' isn't a leaf node");
            }
            String shortName = full.substring(PREFIX.length());
            if (!WRITABLE.contains(shortName)) {
                if (leaves(full, stats).isEmpty()) {
                    throw new CommandException("unknown oid '" + name + "'");
                }
                throw new CommandException("oid '" + full + "' is read only");
            }
            String text = n.substring(eq + 1);
            if (!text.matches("-?[0-9]{1,10}")) {
                throw new CommandException("invalid integer '" + text + "'");
            }
            long v = Long.parseLong(text);
            int[] range = Limits.sysctlRanges().get(shortName);
            if (v < range[0] || v > range[1]) {
                throw new CommandException(full + "=" + text + ": Invalid argument (" + range[0] + ".." + range[1] + ")");
            }
            int old = next.get(shortName);
            next = next.with(shortName, (int) v);
            lines.add(valuesOnly ? Long.toString(v) : full + ": " + old + " -> " + v);
        }
        return new Result(next, lines);
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
