package org.carp4j.link;

import java.util.concurrent.BlockingQueue;

/**
 * The frames one wake-up of the capture thread read, in buffers that are reused: the receiver
 * reads them (frame i is {@code buffer(i)[0 .. length(i))}) and then calls {@link #release}, after
 * which the link fills the batch again. A batch is owned by one thread at a time.
 */
public final class FrameBatch {
    private final byte[][] buffers;
    private final int[] lengths;
    private final BlockingQueue<FrameBatch> pool;
    private int size;

    FrameBatch(int capacity, int snaplen, BlockingQueue<FrameBatch> pool) {
        buffers = new byte[capacity][snaplen];
        lengths = new int[capacity];
        this.pool = pool;
    }

    /** A batch of copies of these frames, for tests and fakes. */
    public static FrameBatch of(byte[]... frames) {
        int snap = 0;
        for (byte[] f : frames) {
            snap = Math.max(snap, f.length);
        }
        FrameBatch b = new FrameBatch(frames.length, snap, null);
        for (byte[] f : frames) {
            System.arraycopy(f, 0, b.next(), 0, f.length);
            b.add(f.length);
        }
        return b;
    }

    public int size() {
        return size;
    }

    public byte[] buffer(int i) {
        return buffers[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    int capacity() {
        return buffers.length;
    }

    /** The buffer the next frame goes into. */
    byte[] next() {
        return buffers[size];
    }

    void add(int length) {
        lengths[size++] = length;
    }

    void clear() {
        size = 0;
    }

    /** The receiver is done with these frames: the link may fill the batch again. */
    public void release() {
        size = 0;
        if (pool != null) {
            pool.offer(this);
        }
    }
}
