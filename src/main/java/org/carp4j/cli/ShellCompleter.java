package org.carp4j.cli;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.carp4j.commands.Sysctl;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Tab completion for carpsh: commands, carp interface names (asked from carpd), ifconfig keywords,
 * state names, sysctl names, and the host's interfaces after "carpdev".
 */
final class ShellCompleter implements Completer {
    static final List<String> KEYWORDS = List.of("create", "destroy", "up", "down", "vhid", "pass", "-pass", "carpdev",
            "-carpdev", "carppeer", "-carppeer", "advbase", "advskew", "state", "inet", "inet6", "alias", "-alias",
            "netmask", "prefixlen", "--json");
    static final List<String> STATES = List.of("init", "backup", "master");
    /** The two advbase modes: 1 s (the default) and 0 (OpenBSD's sub-second adverts, advskew/256 s). */
    static final List<String> ADVBASES = List.of("0", "1");

    private final Supplier<List<String>> carpInterfaces;

    ShellCompleter(Supplier<List<String>> carpInterfaces) {
        this.carpInterfaces = carpInterfaces;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> out) {
        List<String> words = new ArrayList<>(line.words().subList(0, line.wordIndex()));
        if (!words.isEmpty() && words.get(0).equals("#")) {
            words.remove(0);
        }
        for (String c : candidates(words)) {
            out.add(new Candidate(c));
        }
    }

    List<String> candidates(List<String> before) {
        if (before.isEmpty()) {
            return List.copyOf(new java.util.TreeSet<>(ShellLine.COMMANDS));
        }
        String cmd = before.get(0);
        String prev = before.get(before.size() - 1);
        if (cmd.equals("carpconfig") || cmd.equals("ifconfig")) {
            if (before.size() == 1) {
                List<String> c = new ArrayList<>(carpInterfaces.get());
                c.addAll(List.of("-a", "-l", "-g"));
                return c;
            }
            return switch (prev) {
                case "state" -> STATES;
                case "advbase" -> ADVBASES;
                case "carpdev" -> hostInterfaces();
                case "-g" -> List.of("carp");
                case "vhid", "advskew", "pass", "carppeer", "netmask", "prefixlen" -> List.of();
                default -> before.size() == 2 && before.get(1).equals("-g") ? List.of() : KEYWORDS;
            };
        }
        if (cmd.equals("carpsysctl") || cmd.equals("sysctl")) {
            List<String> c = new ArrayList<>(List.of("-w", "-n", "-a"));
            Sysctl.WRITABLE.forEach(w -> c.add(Sysctl.PREFIX + w));
            c.add(Sysctl.PREFIX + "stats");
            return c;
        }
        return List.of();
    }

    /** The host's interfaces that can carry CARP (not loopback, not carp interfaces). */
    static List<String> hostInterfaces() {
        String[] names = new File("/sys/class/net").list();
        List<String> out = new ArrayList<>();
        if (names != null) {
            for (String n : names) {
                if (!n.equals("lo") && !n.matches("carp[0-9]+")) {
                    out.add(n);
                }
            }
        }
        java.util.Collections.sort(out);
        return out;
    }
}
