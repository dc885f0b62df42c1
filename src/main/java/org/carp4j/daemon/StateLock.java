package org.carp4j.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * One carpd per state directory, and one per network namespace: exclusive locks (fcntl) on
 * STATE_DIR/carpd.lock and on /run/carpd/netns-INODE.lock, taken before carpd touches anything on
 * the host and held until it has put everything back. The namespace lock matters because carpd's
 * interfaces are found by their alias: a second carpd with another state directory in the same
 * namespace would remove the first one's (its guard and its start-up cleanup both would). The
 * files hold the holder's pid (and state directory), for the message a second carpd prints. They
 * are never removed: removing a lock file lets two processes lock two different files of one name.
 */
final class StateLock implements AutoCloseable {
    static final String NAME = "carpd.lock";
    static final Path RUN_DIR = Path.of("/run/carpd");

    /** Another live process holds the lock. */
    static final class Held extends Exception {
        Held(String pid, Path dir) {
            super("carpd is already running (pid " + pid + ", state dir " + dir + ")");
        }

        Held(String holder) {
            super("carpd is already running in this network namespace (" + holder + ")");
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final FileChannel namespace;

    private StateLock(Path file, FileChannel channel, FileLock lock, FileChannel namespace) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.namespace = namespace;
    }

    /**
     * Locks the state directory (if it exists; a --cleanup without one locks the namespace only)
     * and the network namespace for this process. A process whose lock is refused changes
     * nothing: the files are opened without truncation and only read.
     */
    static StateLock acquire(Path dir) throws IOException, Held {
        if (!Files.isDirectory(dir)) {
            return new StateLock(null, null, null, namespace(dir));
        }
        Path file = dir.resolve(NAME);
        FileChannel channel = open(file);
        FileLock lock = tryLock(channel);
        if (lock == null) {
            String pid = holder(channel);
            channel.close();
            throw new Held(pid, dir);
        }
        FileChannel ns;
        try {
            ns = namespace(dir);
        } catch (IOException | Held | RuntimeException e) {
            channel.close(); // drops the state lock too; nothing was written
            throw e;
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return new StateLock(file, channel, lock, ns);
    }

    /**
     * A lock file, mode 0600, never through a symbolic link. The JVM's fcntl locks are per process
     * and closing any channel on the file drops them, so this channel is the only one carpd opens.
     */
    private static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    /** The lock, or null if another process holds it; the channel is closed on an error. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The network namespace's lock; its channel holds it (closing it releases it). */
    private static FileChannel namespace(Path dir) throws IOException, Held {
        if (!Files.isDirectory(RUN_DIR, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(RUN_DIR, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        String inode = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString().replaceAll("[^0-9]", "");
        FileChannel channel = open(RUN_DIR.resolve("netns-" + inode + ".lock"));
        if (tryLock(channel) == null) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            channel.read(b, 0);
            String[] holder = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).trim().split(" ", 2);
            channel.close();
            throw new Held(holder.length == 2 && holder[0].matches("[0-9]{1,10}")
                    ? "pid " + holder[0] + ", state dir " + holder[1] : "pid unknown");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + " " + dir + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        return channel;
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
        if (channel != null) {
            lock.release();
            channel.close();
        }
        namespace.close();
    }
}
