package org.carp4j.codec;

/** A frame that cannot be read as a CARP advertisement. The only exception the decoder throws. */
public final class DecodeException extends Exception {
    private final DropReason reason;

    public DecodeException(DropReason reason, String detail) {
        super(reason.label() + ": " + detail);
        this.reason = reason;
    }

    public DropReason reason() {
        return reason;
    }
}
