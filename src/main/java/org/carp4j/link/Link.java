package org.carp4j.link;

import java.io.IOException;

/** One carpdev's wire: frames out, and captured CARP frames delivered to a receiver. */
public interface Link extends AutoCloseable {
    void send(byte[] frame) throws IOException;

    @Override
    void close();

    /** Called on the capture thread for every captured frame. */
    interface Receiver {
        void frame(String carpdev, byte[] frame);
    }
}
