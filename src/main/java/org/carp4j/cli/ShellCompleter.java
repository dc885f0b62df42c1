package org.carp4j.cli;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.carp4j.commands.Arg;
import org.carp4j.commands.Flag;
import org.carp4j.commands.Keyword;
import org.carp4j.commands.Sysctl;
import org.carp4j.config.SysctlVar;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Tab completion for carpsh, from the grammar's tables: commands, carp interface names (asked from
 * carpd), keywords, what a keyword's value may be (states, the host's interfaces), the words of
 * `-g carp`, and sysctl names.
 */
final class ShellCompleter implements Completer {
    /** What may follow `carpconfig carpN`: every keyword, and --json. */
    static final List<String> KEYWORDS = keywords();
    static final List<String> STATES = List.of("init", "backup", "master");
    /** The two advbase modes: 1 s (the default) and 0 (OpenBSD's sub-second adverts, advskew/256 s). */
    static final List<String> ADVBASES = List.of("0", "1");

    private final Supplier<List<String>> carpInterfaces;

    ShellCompleter(Supplier<List<String>> carpInterfaces) {
        this.carpInterfaces = carpInterfaces;
    }

    private static List<String> keywords() {
        List<String> k = new ArrayList<>(Keyword.words());
        k.add(Flag.JSON.word());
        return List.copyOf(k);
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
            return List.copyOf(new TreeSet<>(ShellLine.COMMANDS));
        }
        String cmd = before.get(0);
        String prev = before.get(before.size() - 1);
        if (cmd.equals("carpconfig") || cmd.equals("ifconfig")) {
            if (before.size() == 1) {
                List<String> c = new ArrayList<>(carpInterfaces.get());
                c.addAll(List.of(Flag.ALL.word(), Flag.LIST.word(), Flag.GROUP.word()));
                return c;
            }
            if (before.get(1).equals(Flag.GROUP.word())) {
                return switch (before.size()) {
                    case 2 -> List.of(Flag.GROUP_NAME);
                    case 3 -> Flag.GroupWord.words();
                    default -> List.of();
                };
            }
            if (prev.equals(Keyword.ADVBASE.word())) {
                return ADVBASES; // the two modes worth offering among 0..255
            }
            return Keyword.find(prev).map(k -> value(k.arg())).orElse(KEYWORDS);
        }
        if (cmd.equals("carpsysctl") || cmd.equals("sysctl")) {
            List<String> c = new ArrayList<>(List.of("-w", "-n", "-a"));
            SysctlVar.shortNames().forEach(w -> c.add(Sysctl.PREFIX + w));
            c.add(Sysctl.PREFIX + "stats");
            return c;
        }
        return List.of();
    }

    /** After a keyword: its value's candidates, or the keywords again if it takes none. */
    private static List<String> value(Arg arg) {
        return switch (arg.kind()) {
            case NONE -> KEYWORDS;
            case STATE -> STATES;
            case HOST_INTERFACE -> hostInterfaces();
            default -> List.of();
        };
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
        Collections.sort(out);
        return out;
    }
}
