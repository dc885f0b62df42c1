package org.carp4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code pass -}: the password is asked for instead of written on the command line, where ps(1)
 * and /proc/PID/cmdline show it to every local user. The word is replaced here, in the command,
 * so carpd never sees "-" as a password.
 */
final class Passwords {
    static final String FROM_INPUT = "-";
    /** Keyword.PASS, written out so that carpconfig's common path loads no grammar table (ShellCompleterTest checks). */
    static final String KEYWORD = "pass";

    private Passwords() {
    }

    /** Where a password comes from; null when there is none (end of input). */
    interface Source {
        String read(String ifname) throws IOException;
    }

    /** Refused: the password was to be read, and none came. */
    static final class Missing extends Exception {
        Missing(String message) {
            super(message);
        }
    }

    /**
     * carpconfig's words with the word after each {@code pass} that is one of placeholders replaced
     * by a password from source; the first word names the interface.
     */
    static List<String> fill(List<String> words, Set<String> placeholders, Source source) throws IOException, Missing {
        List<String> out = new ArrayList<>(words);
        for (int i = 1; i < out.size() - 1; i++) {
            if (out.get(i).equals(KEYWORD)) {
                i++;
                if (placeholders.contains(out.get(i))) {
                    String p = source.read(out.get(0));
                    if (p == null) {
                        throw new Missing("pass " + out.get(i) + ": no password was given");
                    }
                    out.set(i, p);
                }
            }
        }
        return out;
    }

    /** carpconfig's source: the terminal without echo if there is one, else one line of standard input. */
    static Source standardInput(Console console, InputStream in) {
        return ifname -> {
            if (console != null) {
                char[] p = console.readPassword("Password for %s: ", ifname);
                return p == null ? null : new String(p);
            }
            return line(in);
        };
    }

    /** One line, without its line end; null at end of input. Reads byte by byte: nothing after it is consumed. */
    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
