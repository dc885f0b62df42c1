package org.carp4j.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.carp4j.config.Disk;

/**
 * The real disk, with every call written to a shared event list as it happens: "write carpd.json.tmp",
 * "fsync carpd.json.tmp", "rename carpd.json.tmp carpd.json", "fsync-dir DIR" (file names only).
 */
public final class RecordingDisk implements Disk {
    private final List<String> events;

    /** events: a list the test also writes to (a synchronized one when threads share it). */
    public RecordingDisk(List<String> events) {
        this.events = events;
    }

    @Override
    public Output create(Path path) throws IOException {
        String name = path.getFileName().toString();
        Output real = Disk.REAL.create(path);
        events.add("create " + name);
        return new Output() {
            @Override
            public void write(byte[] bytes) throws IOException {
                real.write(bytes);
                events.add("write " + name);
            }

            @Override
            public void fsync() throws IOException {
                real.fsync();
                events.add("fsync " + name);
            }

            @Override
            public void close() throws IOException {
                real.close();
                events.add("close " + name);
            }
        };
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        Disk.REAL.rename(from, to);
        events.add("rename " + from.getFileName() + " " + to.getFileName());
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
        Disk.REAL.fsyncDirectory(dir);
        events.add("fsync-dir " + dir.getFileName());
    }
}
