package org.carp4j.cli;

import java.util.List;
import org.carp4j.commands.Help;

/**
 * carpsysctl(8): sysctl for net.inet.carp, e.g. `carpsysctl -w net.inet.carp.preempt=1`. carpd parses
 * the words; --help is written from the sysctl table.
 */
public final class CarpSysctlCommand {
    /** "carpsysctl 0.1.0": the pom's version (read only when asked). */
    static String version() {
        return "carpsysctl " + Version.number();
    }

    private CarpSysctlCommand() {
    }

    public static void main(String[] args) {
        // --help and --version as the first word only: elsewhere they are words for carpd (a passphrase may be
        // "-h"); no lambda and no table is loaded on the common path
        switch (args.length == 0 ? "" : args[0]) {
            case "-h", "--help" -> {
                System.out.print(Help.carpsysctl());
                System.exit(0);
            }
            case "-V", "--version" -> {
                System.out.println(version());
                System.exit(0);
            }
            default -> { }
        }
        System.exit(Remote.run("carpsysctl", "carpsysctl", List.of(args), System.out, System.err));
    }
}
