package org.carp4j.commands;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The options of carpconfig's command line, and the words of `-g carp`: one row each. */
public enum Flag {
    ALL("-a", "", "show every carp interface (also: carpconfig alone)"),
    LIST("-l", "", "list the carp interfaces' names"),
    GROUP("-g", "carp", "show the demote counter of group carp, or change it"),
    JSON("--json", "", "show as JSON (with every display form; the schema is in carpconfig(8))"),
    HELP("--help", "", "this text (also -h)"),
    VERSION("--version", "", "the version (also -V)");

    /** After `-g carp`: raise or lower the demote counter (strtonum 0..128, default 1, as OpenBSD). */
    public enum GroupWord {
        CARPDEMOTE("carpdemote", "add n (default 1) to the demote counter"),
        NOCARPDEMOTE("-carpdemote", "subtract n (default 1)");

        public static final int MAX = 128;

        private final String word;
        private final String help;

        GroupWord(String word, String help) {
            this.word = word;
            this.help = help;
        }

        public String word() {
            return word;
        }

        public String help() {
            return help;
        }

        public static Optional<GroupWord> find(String w) {
            return Arrays.stream(values()).filter(g -> g.word.equals(w)).findFirst();
        }

        public static List<String> words() {
            return Arrays.stream(values()).map(GroupWord::word).toList();
        }
    }

    public static final String GROUP_NAME = "carp";

    private final String word;
    private final String argName;
    private final String help;

    Flag(String word, String argName, String help) {
        this.word = word;
        this.argName = argName;
        this.help = help;
    }

    public String word() {
        return word;
    }

    public String help() {
        return help;
    }

    public String helpLine() {
        return String.format("  %-26s %s", argName.isEmpty() ? word : word + " " + argName, help);
    }

    public static List<String> words() {
        return Arrays.stream(values()).map(Flag::word).toList();
    }
}
