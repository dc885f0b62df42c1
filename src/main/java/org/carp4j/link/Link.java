package org.carp4j.link;

import java.io.IOException;
import java.util.Arrays;
import java.util.Set;

/** One carpdev's wire: frames out, and captured CARP frames delivered to a receiver. */
public interface Link extends AutoCloseable {
    void send(byte[] frame) throws IOException;

    /**
     * From now on only CARP frames for these vhids (and ARP) reach the receiver; the kernel drops
     * the rest. Called on the loop whenever the carpdev's vhid set changes.
     */
    default void vhids(Set<Integer> vhids) throws IOException {
    }

    /** Frames handed to the receiver since the link opened. */
    default long delivered() {
        return 0;
    }

    /** Frames the kernel dropped because carpd did not read them fast enough. */
    default long kernelDrops() {
        return 0;
    }

    @Override
    void close();

    /** Called on the capture thread for what it captured. */
    interface Receiver {
        void frame(String carpdev, byte[] frame);

        /** The frames of one wake-up; the receiver must {@link FrameBatch#release} the batch when done. */
        default void frames(String carpdev, FrameBatch batch) {
            try {
                for (int i = 0; i < batch.size(); i++) {
                    frame(carpdev, Arrays.copyOf(batch.buffer(i), batch.length(i)));
                }
            } finally {
                batch.release();
            }
        }
    }
}
