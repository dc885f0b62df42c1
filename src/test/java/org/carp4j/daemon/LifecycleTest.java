package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One ordered stop on every exit path, and the state directory's lock (its exclusion between two
 * processes is LifecycleIT's: within one JVM a second lock attempt is refused before the kernel).
 */
class LifecycleTest {
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final Lifecycle life = new Lifecycle(new Log(new PrintStream(logged, true, StandardCharsets.UTF_8)));
    private final List<String> stopped = new ArrayList<>();

    @Test
    void everythingStopsInReverseOrderEvenWhenAStepFails() throws Exception {
        life.started("lock", () -> stopped.add("lock"));
        life.started("guard", () -> stopped.add("guard"));
        life.started("control server", () -> {
            throw new IOException("socket already closed");
        });
        life.started("link watcher", () -> stopped.add("link watcher"));
        life.stop(0);
        assertEquals(List.of("link watcher", "guard", "lock"), stopped);
        assertTrue(logged.toString().contains("event=stop msg=\"control server: java.io.IOException: socket already closed\""),
                logged.toString());
        assertEquals(0, life.awaitStopped());
    }

    @Test
    void onlyTheFirstStopCountsAndItsExitCodeIsCarpds() throws Exception {
        life.started("guard", () -> stopped.add("guard"));
        life.stop(69);
        life.stop(0);
        assertEquals(List.of("guard"), stopped);
        assertEquals(69, life.awaitStopped());
    }

    @Test
    void whatStartsAfterAStopIsStoppedAtOnceAndTheStartIsAbandoned() throws Exception {
        life.stop(0);
        assertThrows(Lifecycle.Stopping.class, () -> life.started("event loop", () -> stopped.add("event loop")));
        assertEquals(List.of("event loop"), stopped);
    }

    @Test
    void theStateLockNamesItsHolderAndItsFileOutlivesIt(@TempDir Path dir) throws Exception {
        try (StateLock lock = StateLock.acquire(dir)) {
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(lock.file()));
        }
        try (StateLock again = StateLock.acquire(dir)) {
            assertTrue(Files.exists(again.file()), "the file is kept: no two files of one name to lock");
        }
    }
}
