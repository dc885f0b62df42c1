package org.carp4j.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Set;
import org.jline.reader.impl.history.DefaultHistory;

/**
 * carpsh's history: lines are kept with their passwords masked ({@link HistoryMask}), and the file
 * is readable by its owner only (0600), whatever the umask, even if an older carpsh made it 0644.
 */
final class ShellHistory extends DefaultHistory {
    static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    private final Path file;

    ShellHistory(Path file) {
        this.file = file;
    }

    @Override
    public void add(Instant time, String line) {
        super.add(time, HistoryMask.mask(line));
    }

    @Override
    public void save() throws IOException {
        makePrivate(file); // JLine appends with the umask's mode if the file is not there
        super.save();
    }

    /** Creates the file 0600, or takes group and other permissions away from an existing one. */
    static void makePrivate(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PRIVATE));
        } catch (FileAlreadyExistsException e) {
            if (!Files.getPosixFilePermissions(file).equals(PRIVATE)) {
                Files.setPosixFilePermissions(file, PRIVATE);
            }
        }
    }
}
