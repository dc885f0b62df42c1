package org.carp4j.cli;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.carp4j.control.ControlClient;

/**
 * carpconfig and carpsysctl as a loop, for tests that run thousands of command lines: each
 * request runs the commands' own client path ({@link Remote}: `pass -` read from the given
 * standard input, the daemon's answer printed as the tool prints it) without a JVM start each.
 * Run inside the daemon's namespace: {@code CommandLoop STATE_DIR}. One request per line,
 * every field "=" + base64: program, standard input (or "~" for none), the words. One answer per
 * line: exit, "=" + base64 of stdout, "=" + base64 of stderr.
 */
public final class CommandLoop {
    private CommandLoop() {
    }

    public static void main(String[] args) throws Exception {
        ControlClient client = new ControlClient(Path.of(args[0]));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] f = line.split(" ", -1);
            String program = decode(f[0]);
            byte[] stdin = f[1].equals("~") ? new byte[0] : decode(f[1]).getBytes(StandardCharsets.UTF_8);
            List<String> words = new ArrayList<>();
            for (int i = 2; i < f.length; i++) {
                words.add(decode(f[i]));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = Remote.run(program, program, words, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), client,
                    Passwords.standardInput(null, new ByteArrayInputStream(stdin)), Set.of(Passwords.FROM_INPUT));
            System.out.println(exit + " " + encode(out.toString(StandardCharsets.UTF_8)) + " "
                    + encode(err.toString(StandardCharsets.UTF_8)));
            System.out.flush();
        }
    }

    public static String encode(String s) {
        return "=" + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    public static String decode(String field) {
        return new String(Base64.getDecoder().decode(field.substring(1)), StandardCharsets.UTF_8);
    }
}
