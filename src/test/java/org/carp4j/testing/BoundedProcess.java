package org.carp4j.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A child process whose plain {@link #waitFor()} is bounded: past the limit the process and its
 * descendants are killed and the wait fails naming the command, so a tcpdump or ucarp that does
 * not exit fails the test instead of hanging the build. Everything else is the process's own.
 */
public final class BoundedProcess extends Process {
    private final Process p;
    private final Duration limit;
    private final String command;

    public BoundedProcess(Process p, Duration limit, List<String> command) {
        this.p = p;
        this.limit = limit;
        this.command = String.join(" ", command);
    }

    /** Kills the process tree; then the wait fails naming the command. */
    static AssertionError timedOut(Process p, Duration limit, String command) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        return new AssertionError("did not exit within " + limit.toSeconds() + " s, killed: " + command);
    }

    @Override
    public int waitFor() throws InterruptedException {
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw timedOut(p, limit, command);
        }
        return p.exitValue();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        return p.waitFor(timeout, unit);
    }

    @Override
    public OutputStream getOutputStream() {
        return p.getOutputStream();
    }

    @Override
    public InputStream getInputStream() {
        return p.getInputStream();
    }

    @Override
    public InputStream getErrorStream() {
        return p.getErrorStream();
    }

    @Override
    public int exitValue() {
        return p.exitValue();
    }

    @Override
    public void destroy() {
        p.destroy();
    }

    @Override
    public Process destroyForcibly() {
        p.destroyForcibly();
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return p.supportsNormalTermination();
    }

    @Override
    public boolean isAlive() {
        return p.isAlive();
    }

    @Override
    public long pid() {
        return p.pid();
    }

    @Override
    public CompletableFuture<Process> onExit() {
        return p.onExit().thenApply(x -> this);
    }

    @Override
    public ProcessHandle toHandle() {
        return p.toHandle();
    }

    @Override
    public ProcessHandle.Info info() {
        return p.info();
    }

    @Override
    public Stream<ProcessHandle> children() {
        return p.children();
    }

    @Override
    public Stream<ProcessHandle> descendants() {
        return p.descendants();
    }

    @Override
    public String toString() {
        return command;
    }
}
