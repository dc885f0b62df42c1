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

    /** A pasted prompt: "#", "$", "%", "host#", "root@fw1:~#", "fw1>" and the blanks after it. */
    private static final java.util.regex.Pattern PROMPT = java.util.regex.Pattern.compile("^\\S*?[#$%>]\\s*");

    /** One command of a line (the first, if ";" separates several). */
    public static Optional<Command> parse(String line) throws IllegalArgumentException {
        List<Command> all = parseAll(line);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /**
     * Every command of a line: a pasted prompt in front is dropped, ";" (outside quotes) separates
     * commands, a "#text" line that is not a command is a comment.
     */
    public static List<Command> parseAll(String line) throws IllegalArgumentException {
        String s = withoutPrompt(line.strip());
        if (s == null) {
            return List.of(); // a comment such as "#Configure CARP on the LAN side"
        }
        List<Command> out = new ArrayList<>();
        for (String part : commands(s)) {
            List<String> words = words(part);
            if (words.isEmpty()) {
                continue;
            }
            String program = switch (words.get(0)) {
                case "ifconfig" -> "carpconfig";
                case "sysctl" -> "carpsysctl";
                default -> words.get(0);
            };
            out.add(new Command(program, words.subList(1, words.size())));
        }
        return out;
    }

    /** The line without a prompt before its command; null for a comment; the line itself otherwise. */
    private static String withoutPrompt(String s) {
        List<String> first = s.isEmpty() ? List.of() : List.of(s.split("\\s+", 2)[0]);
        if (!first.isEmpty() && COMMANDS.contains(first.get(0))) {
            return s;
        }
        java.util.regex.Matcher m = PROMPT.matcher(s);
        if (m.find()) {
            String rest = s.substring(m.end());
            String word = rest.isEmpty() ? "" : rest.split("[\\s;]+", 2)[0];
            if (COMMANDS.contains(word)) {
                return rest;
            }
        }
        return s.startsWith("#") ? null : s;
    }

    /** Splits on ";" outside quotes and escapes. */
    static List<String> commands(String s) {
        List<String> out = new ArrayList<>();
        char quote = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\\') {
                i++;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == ';') {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
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
