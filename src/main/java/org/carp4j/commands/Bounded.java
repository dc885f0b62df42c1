package org.carp4j.commands;

/**
 * The one bounded-number parser, in the shape of OpenBSD's strtonum(3): decimal only, an optional
 * minus sign, and the reason for a refusal is "invalid", "too small" or "too large", which callers
 * put after the word as ifconfig does ("vhid 256: too large").
 */
public final class Bounded {
    private Bounded() {
    }

    /** A number that is not one, or is out of range; the message is strtonum's errstr. */
    public static final class OutOfRange extends Exception {
        public OutOfRange(String reason) {
            super(reason);
        }
    }

    public static long strtonum(String text, long min, long max) throws OutOfRange {
        if (text == null || !text.matches("-?[0-9]{1,18}")) {
            throw new OutOfRange("invalid");
        }
        long n = Long.parseLong(text);
        if (n < min) {
            throw new OutOfRange("too small");
        }
        if (n > max) {
            throw new OutOfRange("too large");
        }
        return n;
    }

    /** strtonum for a keyword's value: refusals read "keyword text: reason". */
    public static int keyword(String keyword, String text, int min, int max) throws CommandException {
        try {
            return (int) strtonum(text, min, max);
        } catch (OutOfRange e) {
            throw new CommandException(keyword + " " + text + ": " + e.getMessage());
        }
    }
}
