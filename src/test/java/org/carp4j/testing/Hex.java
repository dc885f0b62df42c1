package org.carp4j.testing;

import java.util.HexFormat;

public final class Hex {
    private Hex() {
    }

    /** Hex with any whitespace ignored, so dumps can be pasted from the docs. */
    public static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    public static String of(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
