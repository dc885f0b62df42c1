package org.carp4j.cli;

import java.util.List;
import org.carp4j.commands.Help;

/**
 * carpconfig(8): ifconfig for carp interfaces, e.g. `carpconfig carp0 vhid 1 pass lanpasswd carpdev em0 10.0.0.1/24`.
 * The words go to carpd as they are; carpd parses them with the grammar's tables. --help is written from them.
 */
public final class CarpConfigCommand {
    static final String VERSION = "carpconfig 0.1.0";

    private CarpConfigCommand() {
    }

    public static void main(String[] args) {
        if (Remote.help(args, Help.carpconfig(), VERSION, System.out)) {
            System.exit(0);
        }
        System.exit(Remote.run("carpconfig", "carpconfig", List.of(args), System.out, System.err));
    }
}
