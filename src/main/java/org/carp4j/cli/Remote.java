package org.carp4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import org.carp4j.control.ControlClient;
import org.carp4j.control.ExitCode;
import org.carp4j.control.Protocol;

/** Sends one command line to carpd and prints its answer the way the BSD tool would. */
final class Remote {
    private Remote() {
    }

    static int run(String program, String op, List<String> args, PrintStream out, PrintStream err) {
        return run(program, op, args, out, err, new ControlClient(ControlClient.defaultStateDir()),
                Passwords.standardInput(System.console(), System.in), Set.of(Passwords.FROM_INPUT));
    }

    /** passwords: where `pass -` (or another of placeholders) gets its password. */
    static int run(String program, String op, List<String> args, PrintStream out, PrintStream err,
                   ControlClient client, Passwords.Source passwords, Set<String> placeholders) {
        List<String> words = args;
        if (op.equals("carpconfig")) {
            try {
                words = Passwords.fill(args, placeholders, passwords);
            } catch (Passwords.Missing e) {
                err.println(program + ": " + e.getMessage());
                return ExitCode.REFUSED;
            } catch (IOException e) {
                err.println(program + ": cannot read the password: " + e.getMessage());
                return ExitCode.IOERR;
            }
        }
        Protocol.Response r = client.call(op, words);
        out.print(r.out());
        out.flush();
        if (!r.err().isEmpty()) {
            err.println(program + ": " + r.err());
        }
        return r.exit();
    }
}
