package org.carp4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** carpconfig(8): ifconfig for carp interfaces, e.g. `carpconfig carp0 vhid 1 pass lanpasswd carpdev em0 10.0.0.1/24`. */
@Command(name = "carpconfig", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Configure and show carp interfaces the way ifconfig(8) does.", "",
            "  carpconfig carpN create | destroy | up | down",
            "  carpconfig carpN [vhid N] [pass P | pass -] [carpdev IF | -carpdev] [carppeer A | -carppeer]",
            "                   [advbase N] [advskew N] [state init|backup|master]",
            "                   [ADDRESS [MASK] | ADDRESS/LEN [alias | -alias]]",
            "  carpconfig carpN [--json]      show one interface",
            "  carpconfig -a [--json] | -l     show all, or list the names",
            "  carpconfig -g carp [carpdemote [N] | -carpdemote [N]]"})
public final class CarpConfigCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "WORD", description = "carpN and its keywords, or -a, -l, -g, --json.")
    List<String> words = new ArrayList<>();

    public static void main(String[] args) {
        if (!Remote.wantsHelp(args)) {
            // the common path: no argument parser to load, the words go to carpd as they are
            System.exit(Remote.run("carpconfig", "carpconfig", args.length == 0 ? List.of("-a") : List.of(args),
                    System.out, System.err));
        }
        CommandLine cl = new CommandLine(new CarpConfigCommand()).setUnmatchedOptionsArePositionalParams(true);
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() {
        List<String> args = words.isEmpty() ? List.of("-a") : words; // bare ifconfig shows everything
        return Remote.run("carpconfig", "carpconfig", args, System.out, System.err);
    }
}
