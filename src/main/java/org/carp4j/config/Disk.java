package org.carp4j.config;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The file-system calls an atomic save is made of: write a new file, fsync it, rename it over the
 * old one, fsync the directory. A seam so a test can record their order; {@link #REAL} is the disk.
 */
public interface Disk {
    Disk REAL = new RealDisk();

    /** A new file at path: O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600 from the start. */
    Output create(Path path) throws IOException;

    /** Atomically replaces to with from (rename(2)); an IOException if that cannot be atomic. */
    void rename(Path from, Path to) throws IOException;

    /** fsync(2) of the directory: makes a rename in it durable. */
    void fsyncDirectory(Path dir) throws IOException;

    /** A file being written. */
    interface Output extends Closeable {
        void write(byte[] bytes) throws IOException;

        /** fsync(2): the bytes written are on the disk. */
        void fsync() throws IOException;

        @Override
        void close() throws IOException;
    }
}
