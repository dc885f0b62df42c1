package org.carp4j.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * One carpd per state directory: an exclusive lock (fcntl) on STATE_DIR/carpd.lock, taken before
 * carpd touches anything on the host and held until it has put everything back. The file holds
 * the holder's pid, for the message a second carpd prints. It is never removed: removing a lock
 * file lets two processes lock two different files of the same name.
 */
final class StateLock implements AutoCloseable {
    static final String NAME = "carpd.lock";

    /** Another live process holds the lock. */
    static final class Held extends Exception {
        Held(String pid, Path dir) {
            super("carpd is already running (pid " + pid + ", state dir " + dir + ")");
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private StateLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks the state directory for this process and writes its pid. A process whose lock is
     * refused changes nothing: the file is opened without truncation and only read.
     */
    static StateLock acquire(Path dir) throws IOException, Held {
        Path file = dir.resolve(NAME);
        // The JVM's fcntl locks are per process and closing any channel on the file drops them,
        // so this channel is the only one carpd ever opens on it.
        FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String pid = holder(channel);
            channel.close();
            throw new Held(pid, dir);
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return new StateLock(file, channel, lock);
    }

    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        channel.read(b, 0);
        String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
        return s.matches("[0-9]{1,10}") ? s : "unknown"; // the holder may not have written it yet
    }

    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
