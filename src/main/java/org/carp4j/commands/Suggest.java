package org.carp4j.commands;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/**
 * Says what is wrong with a word that is not in the tables: a BSD ifconfig word carp4j does not
 * implement, or a typo of one that is ("vhdi" for "vhid").
 */
public final class Suggest {
    /** OpenBSD and FreeBSD ifconfig words that carpconfig does not implement. */
    public static final Set<String> UNSUPPORTED = Set.of("description", "descr", "-description", "-descr", "group",
            "-group", "mtu", "lladdr", "metric", "media", "mediaopt", "-mediaopt", "rdomain", "priority", "llprio",
            "carpnodes", "balancing", "-inet", "-inet6", "debug", "-debug", "arp", "-arp", "staticarp", "-staticarp",
            "autoconf", "-autoconf", "link0", "link1", "link2", "-link0", "-link1", "-link2", "monitor", "-monitor",
            "dest", "anycast", "tentative", "deprecated", "pltime", "vltime", "eui64", "vlan", "vlandev", "tunnel",
            "instance", "txpower", "nwid", "wol", "-wol");

    private Suggest() {
    }

    /** The refusal of an unknown word, with the closest of known as a hint. */
    public static CommandException unknown(String what, String word, Collection<String> known) {
        if (UNSUPPORTED.contains(word)) {
            return new CommandException(word + ": not supported by carpconfig");
        }
        return new CommandException("unknown " + what + " " + word + closest(word, known).map(k -> ", did you mean " + k + "?")
                .orElse(""));
    }

    /** The known word at edit distance 1, or 2 for words of five letters or more (adjacent swaps count 1). */
    public static Optional<String> closest(String word, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(word, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        int allowed = word.length() >= 5 ? 2 : 1;
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions, adjacent transpositions. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
