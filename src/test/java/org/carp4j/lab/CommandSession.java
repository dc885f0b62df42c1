package org.carp4j.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.carp4j.cli.CommandLoop;

/**
 * carpconfig and carpsysctl in a lab host, two ways: the real programs (bin/, a JVM each), or
 * {@link CommandLoop}, the same client code in one JVM for thousands of lines. Every call has a
 * time limit.
 */
final class CommandSession implements AutoCloseable {
    private static final long LIMIT_SECONDS = 30;
    private final Lab.Host host;
    private final Process loop;
    private final OutputStream requests;
    private final BufferedReader answers;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "command-session");
        t.setDaemon(true);
        return t;
    });

    CommandSession(Lab.Host host) throws IOException {
        this.host = host;
        loop = new ProcessBuilder("ip", "netns", "exec", host.ns, "java", "-cp", System.getProperty("java.class.path"),
                CommandLoop.class.getName(), host.stateDir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        requests = loop.getOutputStream();
        answers = new BufferedReader(new InputStreamReader(loop.getInputStream(), StandardCharsets.UTF_8));
    }

    /** One command line through the loop; stdin null: the command's standard input is empty. */
    Lab.Result run(String tool, List<String> words, String stdin) throws Exception {
        StringBuilder line = new StringBuilder(CommandLoop.encode(tool));
        line.append(' ').append(stdin == null ? "~" : CommandLoop.encode(stdin + "\n"));
        words.forEach(w -> line.append(' ').append(CommandLoop.encode(w)));
        requests.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        requests.flush();
        Future<String> answer = reader.submit(answers::readLine);
        String a = answer.get(LIMIT_SECONDS, TimeUnit.SECONDS);
        if (a == null) {
            throw new IOException("the command loop ended");
        }
        String[] f = a.split(" ", -1);
        return new Lab.Result(Integer.parseInt(f[0]), CommandLoop.decode(f[1]), CommandLoop.decode(f[2]));
    }

    /** One command line through the real program in bin/, its standard input fed and closed. */
    Lab.Result runProgram(String tool, List<String> words, String stdin) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", host.ns, "env", "CARPD_STATE_DIR=" + host.stateDir,
                Lab.ROOT.resolve("bin/" + tool).toString()));
        cmd.addAll(words);
        Process p = new ProcessBuilder(cmd).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write((stdin + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        Future<byte[]> err = reader.submit(() -> p.getErrorStream().readAllBytes());
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        return new Lab.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err.get(LIMIT_SECONDS, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws Exception {
        requests.close();
        if (!loop.waitFor(10, TimeUnit.SECONDS)) {
            loop.destroyForcibly();
        }
        reader.shutdownNow();
    }
}
