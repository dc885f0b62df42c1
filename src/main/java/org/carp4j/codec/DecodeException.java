package org.carp4j.codec;

import java.util.function.Supplier;

/**
 * A frame that cannot be read as a CARP advertisement, or one the receive path drops. The only
 * exception the decoder throws. Dropping is routine (a flood of forged adverts is thousands a
 * second), so it carries no stack trace and builds its message only if someone reads it.
 */
public final class DecodeException extends Exception {
    private final DropReason reason;
    private final Supplier<String> detail;

    public DecodeException(DropReason reason, String detail) {
        this(reason, () -> detail);
    }

    public DecodeException(DropReason reason, Supplier<String> detail) {
        super(null, null, false, false);
        this.reason = reason;
        this.detail = detail;
    }

    public DropReason reason() {
        return reason;
    }

    @Override
    public String getMessage() {
        return reason.label() + ": " + detail.get();
    }
}
