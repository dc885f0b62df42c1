package org.carp4j.cli;

import java.util.List;
import org.carp4j.commands.Help;

/**
 * carpsysctl(8): sysctl for net.inet.carp, e.g. `carpsysctl -w net.inet.carp.preempt=1`. carpd parses
 * the words; --help is written from the sysctl table.
 */
public final class CarpSysctlCommand {
    static final String VERSION = "carpsysctl 0.1.0";

    private CarpSysctlCommand() {
    }

    public static void main(String[] args) {
        if (Remote.help(args, Help.carpsysctl(), VERSION, System.out)) {
            System.exit(0);
        }
        System.exit(Remote.run("carpsysctl", "carpsysctl", List.of(args), System.out, System.err));
    }
}
