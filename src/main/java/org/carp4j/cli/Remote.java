package org.carp4j.cli;

import java.io.PrintStream;
import java.util.List;
import org.carp4j.control.ControlClient;
import org.carp4j.control.Protocol;

/** Sends one command line to carpd and prints its answer the way the BSD tool would. */
final class Remote {
    private Remote() {
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
