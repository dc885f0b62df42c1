package org.carp4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** carpsysctl(8): sysctl for net.inet.carp, e.g. `carpsysctl -w net.inet.carp.preempt=1`. */
@Command(name = "carpsysctl", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Read and set the net.inet.carp variables the way sysctl(8) does.", "",
            "  carpsysctl [-n] name ...         read (a prefix lists the subtree)",
            "  carpsysctl [-w] name=value ...   write; prints name: old -> new",
            "  carpsysctl -a                    list everything, with the receive counters",
            "Names: allow, preempt, log, arpbalance, replay, and read-only stats.*; the net.inet.carp. prefix is optional."})
public final class CarpSysctlCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "NAME[=VALUE]")
    List<String> words = new ArrayList<>();

    public static void main(String[] args) {
        if (!Remote.wantsHelp(args)) {
            System.exit(Remote.run("carpsysctl", "carpsysctl", List.of(args), System.out, System.err));
        }
        CommandLine cl = new CommandLine(new CarpSysctlCommand()).setUnmatchedOptionsArePositionalParams(true);
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() {
        return Remote.run("carpsysctl", "carpsysctl", words, System.out, System.err);
    }
}
