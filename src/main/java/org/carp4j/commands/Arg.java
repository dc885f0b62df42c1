package org.carp4j.commands;

/**
 * What follows a keyword: its name in the synopsis, its kind (which tells completion what to
 * offer) and, for numbers, the range the one bounded-number parser checks.
 */
public record Arg(Kind kind, String name, int min, int max) {
    /** The kinds of value; completion offers states and the host's interfaces, nothing for the rest. */
    public enum Kind { NONE, NUMBER, TEXT, HOST_INTERFACE, IPV4, ADDRESS, STATE, MASK }

    public static final Arg NONE = new Arg(Kind.NONE, "", 0, 0);

    public static Arg number(String name, int min, int max) {
        return new Arg(Kind.NUMBER, name, min, max);
    }

    public static Arg of(Kind kind, String name) {
        return new Arg(kind, name, 0, 0);
    }

    public int arity() {
        return kind == Kind.NONE ? 0 : 1;
    }
}
