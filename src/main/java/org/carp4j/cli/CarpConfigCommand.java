package org.carp4j.cli;

import java.util.List;
import org.carp4j.commands.Help;

/**
 * carpconfig(8): ifconfig for carp interfaces, e.g. `carpconfig carp0 vhid 1 pass lanpasswd carpdev em0 10.0.0.1/24`.
 * The words go to carpd as they are; carpd parses them with the grammar's tables. --help is written from them.
 */
public final class CarpConfigCommand {
    /** "carpconfig 0.1.0": the pom's version (read only when asked). */
    static String version() {
        return "carpconfig " + Version.number();
    }

    private CarpConfigCommand() {
    }

    public static void main(String[] args) {
        // --help and --version as the first word only: elsewhere they are words for carpd (a passphrase may be
        // "-h"); no lambda and no table is loaded on the common path
        switch (args.length == 0 ? "" : args[0]) {
            case "-h", "--help" -> {
                System.out.print(Help.carpconfig());
                System.exit(0);
            }
            case "-V", "--version" -> {
                System.out.println(version());
                System.exit(0);
            }
            default -> { }
        }
        System.exit(Remote.run("carpconfig", "carpconfig", List.of(args), System.out, System.err));
    }
}
