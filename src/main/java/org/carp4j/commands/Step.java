package org.carp4j.commands;

import java.net.InetAddress;

/**
 * One parsed word of `carpconfig carpN ...`, before it meets the configuration: a keyword with
 * its value, or an address with what followed it.
 */
public sealed interface Step {
    /** A keyword row and its parsed value (Integer, String, InetAddress, CarpState, or null). */
    record Word(Keyword keyword, Object value) implements Step {
    }

    /**
     * ADDR[/len] [mask] [broadcast] [alias | -alias]; prefix null when none was given (then the
     * carpdev's subnet decides), broadcast null when none was given.
     */
    record Address(String word, InetAddress address, Integer prefix, InetAddress broadcast, Mode mode) implements Step {
        public boolean v6() {
            return address instanceof java.net.Inet6Address;
        }
    }

    /** What an address does: replace the primary IPv4 address, add (alias), or remove (-alias). */
    enum Mode { PRIMARY, ALIAS, REMOVE }
}
