package org.carp4j.daemon;

import java.util.List;
import org.carp4j.codec.DecodeException;
import org.carp4j.codec.FrameCodec;
import org.carp4j.link.Link;

/** A carpdev's wire that writes what carpd sends to the shared event log: "advert skew=0", "garp". */
final class FakeLink implements Link {
    private final List<String> events;

    FakeLink(List<String> events) {
        this.events = events;
    }

    /** While set, every send fails as a dead driver or a full queue makes it fail. */
    volatile boolean failing;
    /** Outcomes of the next sends, in order (true: it fails); past them, {@link #failing} decides. */
    final java.util.Queue<Boolean> nextFail = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Override
    public void send(byte[] frame) throws java.io.IOException {
        Boolean scripted = nextFail.poll();
        if (scripted != null ? scripted : failing) {
            throw new java.io.IOException("No buffer space available");
        }
        events.add(describe(frame));
        sent.add(frame.clone());
    }

    /** Every frame sent, whole, for the fields describe leaves out. */
    final List<byte[]> sent = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    static String describe(byte[] f) {
        int type = (f[12] & 0xff) << 8 | (f[13] & 0xff);
        if (type == 0x0806) {
            return "garp";
        }
        try {
            return "advert skew=" + FrameCodec.decode(f).carp().advskew();
        } catch (DecodeException e) {
            return "frame?";
        }
    }

    @Override
    public void close() {
    }
}
