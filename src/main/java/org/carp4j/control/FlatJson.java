package org.carp4j.control;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough JSON for the commands' side of the control protocol: one flat object whose values
 * are strings, integers or arrays of strings. It keeps the commands from loading a JSON library,
 * so they start fast; the daemon reads requests with Jackson, strictly.
 */
final class FlatJson {
    private FlatJson() {
    }

    static String object(Map<String, Object> fields) {
        StringBuilder b = new StringBuilder("{");
        for (var e : fields.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            string(b, e.getKey());
            b.append(':');
            Object v = e.getValue();
            if (v instanceof Integer i) {
                b.append(i);
            } else if (v instanceof List<?> list) {
                b.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    string(b, (String) list.get(i));
                }
                b.append(']');
            } else {
                string(b, (String) v);
            }
        }
        return b.append('}').toString();
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** Parses a flat object; values come back as String, Long or List of String. */
    static Map<String, Object> parse(String s) {
        Cursor c = new Cursor(s);
        Map<String, Object> out = new LinkedHashMap<>();
        c.expect('{');
        if (c.peekSkip() == '}') {
            c.i++;
            return out;
        }
        while (true) {
            String key = c.string();
            c.expect(':');
            out.put(key, c.value());
            char n = c.peekSkip();
            c.i++;
            if (n == '}') {
                return out;
            }
            if (n != ',') {
                throw new IllegalArgumentException("expected , or } at " + c.i);
            }
        }
    }

    private static final class Cursor {
        final String s;
        int i;

        Cursor(String s) {
            this.s = s;
        }

        char peekSkip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= s.length()) {
                throw new IllegalArgumentException("unexpected end");
            }
            return s.charAt(i);
        }

        void expect(char ch) {
            if (peekSkip() != ch) {
                throw new IllegalArgumentException("expected " + ch + " at " + i);
            }
            i++;
        }

        Object value() {
            char ch = peekSkip();
            if (ch == '"') {
                return string();
            }
            if (ch == '[') {
                i++;
                List<String> list = new ArrayList<>();
                if (peekSkip() == ']') {
                    i++;
                    return list;
                }
                while (true) {
                    list.add(string());
                    char n = peekSkip();
                    i++;
                    if (n == ']') {
                        return list;
                    }
                    if (n != ',') {
                        throw new IllegalArgumentException("expected , or ] at " + i);
                    }
                }
            }
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '-')) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException("unexpected value at " + i);
            }
            return Long.parseLong(s.substring(start, i));
        }

        String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw new IllegalArgumentException("unterminated string");
                }
                char ch = s.charAt(i++);
                if (ch == '"') {
                    return b.toString();
                }
                if (ch != '\\') {
                    b.append(ch);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> b.append(e);
                }
            }
        }
    }
}
