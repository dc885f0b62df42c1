package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** carpd's log never makes the loop wait for standard error. */
@Timeout(30)
class LogTest {

    /** Standard error that nobody reads: every write blocks until {@code reader} opens. */
    private static final class StalledPipe extends OutputStream {
        final CountDownLatch reader = new CountDownLatch(1);
        final ByteArrayOutputStream got = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            try {
                reader.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (got) {
                got.write(b, off, len);
            }
        }

        String text() {
            synchronized (got) {
                return got.toString(StandardCharsets.UTF_8);
            }
        }
    }

    @Test
    void aStalledStandardErrorDelaysNoCallerAndTheLostLinesAreCounted() throws Exception {
        StalledPipe pipe = new StalledPipe();
        Log log = Log.background(new PrintStream(pipe, false, StandardCharsets.UTF_8), 16);
        for (int i = 0; i < 1000; i++) { // returns at once although nothing can be written
            log.line("info", "carp0", 1, "state", "line " + i, "");
        }
        pipe.reader.countDown();
        log.flush(10_000); // the kept lines drain
        log.line("info", "carp0", 1, "state", "after the stall", "");
        log.flush(10_000);
        List<String> lines = pipe.text().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.contains("msg=\"line 0\"")), "the first lines are kept: " + lines);
        assertTrue(lines.stream().anyMatch(l -> l.contains("level=warning event=log")
                && l.contains("log lines dropped: standard error was not being read")), pipe.text());
        assertTrue(lines.get(lines.size() - 1).contains("after the stall"), "the last line is written before exit");
        assertTrue(lines.size() < 40, "at most the queue's 16 lines and the one in hand were kept: " + lines.size());
    }

    /** carpd's standard error goes through the same writer: a capture thread's last words never block it. */
    @Test
    void writesToTheStreamAreQueuedLineByLineAndNeverBlock() throws Exception {
        StalledPipe pipe = new StalledPipe();
        Log log = Log.background(new PrintStream(pipe, false, StandardCharsets.UTF_8), 16);
        PrintStream err = log.stream();
        for (int i = 0; i < 1000; i++) {
            err.println("em0: capture: java.lang.IllegalStateException " + i);
        }
        pipe.reader.countDown();
        log.flush(10_000);
        String text = pipe.text();
        assertTrue(text.contains("em0: capture: java.lang.IllegalStateException 0\n"), text);
        assertTrue(text.contains("log lines dropped"), text);
    }

    @Test
    void linesKeepTheirOrder() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Log log = Log.background(new PrintStream(b, true, StandardCharsets.UTF_8), 4096);
        for (int i = 0; i < 500; i++) {
            log.info("test", "n" + i);
        }
        log.flush(10_000);
        List<String> lines = b.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(500, lines.size());
        for (int i = 0; i < 500; i++) {
            assertTrue(lines.get(i).endsWith("msg=\"n" + i + "\""), lines.get(i));
        }
    }
}
