package org.carp4j.cli;

import java.io.PrintStream;
import java.util.List;
import org.carp4j.control.ControlClient;
import org.carp4j.control.Protocol;

/** Sends one command line to carpd and prints its answer the way the BSD tool would. */
final class Remote {
    private Remote() {
    }

    /** Only --help and --version need picocli; everything else goes straight to carpd. */
    static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
                return true;
            }
        }
        return false;
    }

    static int run(String program, String op, List<String> args, PrintStream out, PrintStream err) {
        return run(program, op, args, out, err, new ControlClient(ControlClient.defaultStateDir()));
    }

    static int run(String program, String op, List<String> args, PrintStream out, PrintStream err,
                   ControlClient client) {
        Protocol.Response r = client.call(op, args);
        out.print(r.out());
        out.flush();
        if (!r.err().isEmpty()) {
            err.println(program + ": " + r.err());
        }
        return r.exit();
    }
}
