package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.carp4j.config.StateFile;
import org.carp4j.control.Protocol;
import org.carp4j.testing.RecordingDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README: every change is saved atomically (fsync of the file, rename, fsync of the directory)
 * before it is acknowledged. The disk is recorded call by call, and the answer to the command is
 * put in the same record when the control path hands it back for sending.
 */
@Timeout(60)
class DurableAckTest {

    @Test
    void aCommandIsAnsweredOnlyAfterTheFileAndThenItsRenameAreOnDisk(@TempDir Path dir) throws Exception {
        List<String> record = Collections.synchronizedList(new ArrayList<>());
        try (DaemonHarness h = DaemonHarness.savingThrough(dir, new RecordingDisk(record))) {
            ControlGate gate = new ControlGate(h.loop, h.daemon, h.host, h.worker);
            Protocol.Response answer = gate.serve(new Protocol.Request("t", "carpconfig",
                    List.of("carp0", "advskew", "7")));
            record.add("answer " + answer.exit());

            assertEquals(List.of(
                    "create carpd.json.tmp",
                    "write carpd.json.tmp",
                    "fsync carpd.json.tmp", // the bytes, before the name points at them
                    "close carpd.json.tmp",
                    "rename carpd.json.tmp carpd.json",
                    "fsync-dir " + dir.getFileName(), // the rename itself, before the answer
                    "answer 0"), record);
            assertEquals(7, new StateFile(dir).load().find("carp0").orElseThrow().advskew());
            assertEquals(7, h.onLoopGet(() -> h.daemon.doc().find("carp0").orElseThrow().advskew()));
        }
    }

    @Test
    void aRefusedCommandTouchesNothingOnDisk(@TempDir Path dir) throws Exception {
        List<String> record = Collections.synchronizedList(new ArrayList<>());
        try (DaemonHarness h = DaemonHarness.savingThrough(dir, new RecordingDisk(record))) {
            Protocol.Response answer = new ControlGate(h.loop, h.daemon, h.host, h.worker)
                    .serve(new Protocol.Request("t", "carpconfig", List.of("carp0", "advskew", "256")));
            assertEquals(List.of(), record, answer.err());
            assertEquals(false, Files.exists(dir.resolve(StateFile.NAME)));
        }
    }
}
