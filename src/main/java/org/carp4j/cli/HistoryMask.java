package org.carp4j.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * What carpsh keeps of a line in its history: the word after {@code pass} becomes {@code ***}, so
 * neither the history file nor the up-arrow shows a password. Words are split as {@link ShellLine}
 * splits them (quotes, backslashes), and a backslash-newline continuation counts as a blank.
 */
final class HistoryMask {
    static final String MASK = "***";

    private HistoryMask() {
    }

    /** A word of the line: where it stands, and what it says once its quotes are removed. */
    private record Word(int start, int end, String value) {
    }

    static String mask(String line) {
        List<Word> words = words(line);
        List<Word> secrets = new ArrayList<>();
        for (int i = 0; i < words.size() - 1; i++) {
            if (words.get(i).value().equals(Passwords.KEYWORD)) {
                i++; // the word after pass is the password, whatever it says
                if (!words.get(i).value().equals(Passwords.FROM_INPUT)) {
                    secrets.add(words.get(i));
                }
            }
        }
        StringBuilder out = new StringBuilder(line);
        for (int i = secrets.size() - 1; i >= 0; i--) { // from the end, so earlier positions stay valid
            out.replace(secrets.get(i).start(), secrets.get(i).end(), MASK);
        }
        return out.toString();
    }

    private static List<Word> words(String s) {
        List<Word> out = new ArrayList<>();
        StringBuilder value = new StringBuilder();
        int start = -1;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean continuation = c == '\\' && quote == 0 && i + 1 < s.length() && s.charAt(i + 1) == '\n';
            if (quote == 0 && (Character.isWhitespace(c) || continuation)) {
                if (start >= 0) {
                    out.add(new Word(start, i, value.toString()));
                    value.setLength(0);
                    start = -1;
                }
                if (continuation) {
                    i++;
                }
                continue;
            }
            if (start < 0) {
                start = i;
            }
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    value.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '\\' && i + 1 < s.length()) {
                value.append(s.charAt(++i));
            } else {
                value.append(c);
            }
        }
        if (start >= 0) {
            out.add(new Word(start, s.length(), value.toString())); // an open quote runs to the end: all of it is hidden
        }
        return out;
    }
}
