package org.carp4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How carpsh reads a line, so handbook text can be pasted as it stands: an optional "# " prompt in
 * front, ifconfig/sysctl as names for carpconfig/carpsysctl, "#comment" lines ignored, quotes
 * honoured. Continuation lines (ending in a backslash) are joined by the reader before this.
 */
public final class ShellLine {
    /** Words that start a command; anything else after a "#" makes the line a comment. */
    public static final Set<String> COMMANDS = Set.of("carpconfig", "ifconfig", "carpsysctl", "sysctl", "help",
            "status", "exit", "quit");

    private ShellLine() {
    }

    /** A command to run: program ("carpconfig", "carpsysctl" or a shell word) and its arguments. */
    public record Command(String program, List<String> args) {
    }

    public static Optional<Command> parse(String line) throws IllegalArgumentException {
        String s = line.strip();
        if (s.startsWith("#")) {
            String rest = s.substring(1).strip();
            List<String> words = words(rest);
            if (words.isEmpty() || !COMMANDS.contains(words.get(0))) {
                return Optional.empty(); // a comment such as "#Configure CARP on the LAN side"
            }
            s = rest;
        }
        List<String> words = words(s);
        if (words.isEmpty()) {
            return Optional.empty();
        }
        String program = switch (words.get(0)) {
            case "ifconfig" -> "carpconfig";
            case "sysctl" -> "carpsysctl";
            default -> words.get(0);
        };
        return Optional.of(new Command(program, words.subList(1, words.size())));
    }

    /** Splits on blanks; single and double quotes group, a backslash escapes one character. */
    public static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < s.length()) {
                cur.append(s.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unterminated quote");
        }
        if (inWord) {
            out.add(cur.toString());
        }
        return out;
    }

    /** True if a physical line continues on the next one ("... pass lanpasswd \"). */
    public static boolean continues(String line) {
        String s = line.stripTrailing();
        int n = 0;
        for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
            n++;
        }
        return n % 2 == 1;
    }

    public static String withoutContinuation(String line) {
        String s = line.stripTrailing();
        return s.substring(0, s.length() - 1);
    }
}
