package org.carp4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.carp4j.control.ControlClient;
import org.carp4j.commands.Help;
import org.carp4j.commands.Suggest;
import org.carp4j.control.ExitCode;
import org.carp4j.control.Protocol;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * carpsh(1): a shell where both command families work and handbook lines can be pasted verbatim.
 * Interactive on a terminal (JLine: completion, persistent history), line by line from a pipe.
 */
@Command(name = "carpsh", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Interactive shell for carpconfig and carpsysctl; reads a script from standard input when it is not a terminal.")
public final class CarpShell implements Callable<Integer> {
    static final String HELP = Help.shell();

    @Option(names = {"-c"}, paramLabel = "LINE", description = "Run one line and exit.")
    String oneLine;

    /** `pass -`, and `pass ***` from a recalled history line, ask for the password. */
    static final Set<String> ASK = Set.of(Passwords.FROM_INPUT, HistoryMask.MASK);

    private final ControlClient client = new ControlClient(ControlClient.defaultStateDir(), true);
    private Passwords.Source passwords = Passwords.standardInput(System.console(), System.in);

    public static void main(String[] args) {
        System.exit(new CommandLine(new CarpShell()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (oneLine != null) {
            return execute(oneLine, System.out, System.err);
        }
        if (System.console() == null) {
            return script(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        }
        return interactive();
    }

    /** Non-interactive: every line runs; the exit status is that of the last failing command, else 0. */
    int script(BufferedReader in) throws IOException {
        return script(in, System.out, System.err);
    }

    int script(BufferedReader in, PrintStream out, PrintStream err) throws IOException {
        passwords = ifname -> in.readLine(); // `pass -` takes the script's next line
        int status = 0;
        StringBuilder pending = new StringBuilder();
        int number = 0;
        int first = 1; // the line a continued command started on
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            number++;
            if (pending.length() == 0) {
                first = number;
            }
            if (ShellLine.continues(line)) {
                pending.append(ShellLine.withoutContinuation(line)).append(' ');
                continue;
            }
            pending.append(line);
            String whole = pending.toString();
            pending.setLength(0);
            int rc = execute(whole, out, err, "carpsh: line " + first + ": ");
            if (rc == -1) {
                break;
            }
            if (rc != 0) {
                status = rc;
            }
        }
        return status;
    }

    private int interactive() throws IOException {
        Terminal terminal = TerminalBuilder.builder().system(true).build();
        DefaultParser parser = new DefaultParser();
        parser.setEofOnEscapedNewLine(true); // a trailing backslash asks for the next line
        parser.setEofOnUnclosedQuote(true);
        Path history = historyFile();
        try {
            ShellHistory.makePrivate(history);
        } catch (IOException e) {
            System.err.println("carpsh: " + history + ": " + e.getMessage());
        }
        LineReader reader = LineReaderBuilder.builder().appName("carpsh").terminal(terminal).parser(parser)
                .completer(new ShellCompleter(this::carpInterfaces))
                .history(new ShellHistory(history))
                .variable(LineReader.HISTORY_FILE, history)
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, "> ")
                .build();
        passwords = ifname -> {
            try {
                return reader.readLine("Password for " + ifname + ": ", '\0'); // no echo, not in the history
            } catch (UserInterruptException | EndOfFileException e) {
                return null;
            }
        };
        PrintStream out = new PrintStream(terminal.output(), true, StandardCharsets.UTF_8);
        out.println("carpsh: carp4j shell; type help, or paste handbook lines. State directory "
                + ControlClient.defaultStateDir());
        while (true) {
            String line;
            try {
                line = reader.readLine("carpsh# ");
            } catch (UserInterruptException e) {
                continue;
            } catch (EndOfFileException e) {
                return 0;
            }
            // JLine keeps the backslash-newline pairs of a continued line; join them.
            if (execute(line.replace("\\\n", " "), out, out) == -1) {
                return 0;
            }
        }
    }

    /** ~/.carpsh_history, with ~ from $HOME as shells take it (Java's user.home ignores $HOME). */
    static Path historyFile() {
        String home = System.getenv("HOME");
        return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home, ".carpsh_history");
    }

    private List<String> carpInterfaces() {
        Protocol.Response r = client.call("names", List.of());
        return r.exit() == 0 ? Arrays.stream(r.out().split("\n")).filter(s -> !s.isBlank()).toList() : List.of();
    }

    /** Runs one logical line; -1 means leave the shell. */
    int execute(String line, PrintStream out, PrintStream err) {
        return execute(line, out, err, "");
    }

    /**
     * Runs one logical line, each of its ";"-separated commands in turn; the status is that of the
     * last failing one, -1 to leave the shell. where prefixes error lines ("carpsh: line 3: ").
     */
    int execute(String line, PrintStream out, PrintStream err, String where) {
        List<ShellLine.Command> parsed;
        try {
            parsed = ShellLine.parseAll(line);
        } catch (IllegalArgumentException e) {
            err.println(where.isEmpty() ? "carpsh: " + e.getMessage() : where + e.getMessage());
            return ExitCode.PROTOCOL;
        }
        int status = 0;
        PrintStream errors = where.isEmpty() ? err : Prefixed.of(err, where);
        for (ShellLine.Command c : parsed) {
            int rc = run(c, out, errors);
            if (rc == -1) {
                return -1;
            }
            if (rc != 0) {
                status = rc;
            }
        }
        errors.flush();
        return status;
    }

    private int run(ShellLine.Command c, PrintStream out, PrintStream err) {
        return switch (c.program()) {
            case "exit", "quit" -> -1;
            case "help" -> {
                out.print(HELP);
                yield 0;
            }
            case "status" -> Remote.run("carpconfig", "carpconfig", List.of("-a"), out, err, client, passwords, ASK);
            case "carpconfig" -> Remote.run("carpconfig", "carpconfig", c.args(), out, err, client, passwords, ASK);
            case "carpsysctl" -> Remote.run("carpsysctl", "carpsysctl", c.args(), out, err, client, passwords, ASK);
            default -> {
                err.println("carpsh: " + c.program() + ": unknown command" + Suggest.closest(c.program(),
                        ShellLine.COMMANDS).map(k -> ", did you mean " + k + "?").orElse(" (try help)"));
                yield ExitCode.NOT_FOUND;
            }
        };
    }
}
