package org.carp4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** A stream that puts a prefix before every line it passes on: carpsh's "carpsh: line 3: " in scripts. */
final class Prefixed extends OutputStream {
    private final PrintStream to;
    private final String prefix;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    private Prefixed(PrintStream to, String prefix) {
        this.to = to;
        this.prefix = prefix;
    }

    static PrintStream of(PrintStream to, String prefix) {
        return new PrintStream(new Prefixed(to, prefix), true, StandardCharsets.UTF_8);
    }

    @Override
    public void write(int b) {
        line.write(b);
        if (b == '\n') {
            emit();
        }
    }

    @Override
    public void flush() {
        if (line.size() > 0) {
            emit();
        }
        to.flush();
    }

    /** "carpsh: line 3: " + "carpsh: frob: unknown command" says carpsh once. */
    private void emit() {
        String text = line.toString(StandardCharsets.UTF_8);
        String program = prefix.substring(0, prefix.indexOf(' ') + 1);
        if (!program.isEmpty() && text.startsWith(program)) {
            text = text.substring(program.length());
        }
        to.print(prefix + text);
        to.flush();
        line.reset();
    }
}
