package org.carp4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** IpCommandHost.run keeps its time limit whatever the command does with its output. */
@Timeout(30)
class IpCommandRunTest {

    @Test
    void aHungCommandIsKilledAtTheTimeLimitAndReportedAsAnIoError() throws Exception {
        Path pidFile = Files.createTempFile("hung", ".pid");
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class,
                () -> IpCommandHost.run(300, "sh", "-c", "echo $$ > " + pidFile + "; exec sleep 1000"));
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 5, "waited far past the limit");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().join()); // the class timeout fails a survivor
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the hung command was killed");
        Files.delete(pidFile);
    }

    @Test
    void theChildrenOfAHungCommandAreKilledToo() throws Exception {
        Path pidFile = Files.createTempFile("child", ".pid");
        assertThrows(IOException.class,
                () -> IpCommandHost.run(300, "sh", "-c", "sleep 1000 & echo $! > " + pidFile + "; wait"));
        long child = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle.of(child).ifPresent(h -> h.onExit().join());
        assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false));
        Files.delete(pidFile);
    }

    @Test
    void aChildHoldingTheOutputOpenDoesNotBlockTheCaller() throws Exception {
        // The command exits at once, but leaves a child with its stdout open: reading the output
        // to EOF (as the old code did) would wait for the child.
        String out = IpCommandHost.run(5_000, "sh", "-c", "sleep 1000 & echo $!");
        long child = Long.parseLong(out.trim());
        try {
            assertTrue(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "the child is still there");
        } finally {
            ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aFailingCommandReportsItsOutput() {
        IOException e = assertThrows(IOException.class, () -> IpCommandHost.run(5_000, "sh", "-c", "echo nope >&2; exit 2"));
        assertTrue(e.getMessage().endsWith(": nope"), e.getMessage());
    }

    @Test
    void outputIsReturned() throws Exception {
        assertEquals("hello\n", IpCommandHost.run(5_000, "echo", "hello"));
    }
}
