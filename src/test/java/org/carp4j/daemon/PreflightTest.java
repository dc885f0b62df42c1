package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The capability check reads CapEff: uid 0 alone (a restricted container's root) is not enough. */
class PreflightTest {
    private static String status(String capEff) {
        return "Name:\tjava\nUid:\t0\t0\t0\t0\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t"
                + capEff + "\nCapBnd:\t000001ffffffffff\n";
    }

    @Test
    void needsBothNetAdminAndNetRaw() {
        assertTrue(Preflight.privileged(status("000001ffffffffff")), "full root");
        assertTrue(Preflight.privileged(status("0000000000003000")), "exactly CAP_NET_ADMIN (12) and CAP_NET_RAW (13)");
        assertFalse(Preflight.privileged(status("0000000000001000")), "CAP_NET_ADMIN alone");
        assertFalse(Preflight.privileged(status("000001ffffffcfff")), "root with both dropped");
        assertFalse(Preflight.privileged(status("0000000000000000")), "nobody");
        assertFalse(Preflight.privileged("Name:\tjava\n"), "no CapEff line: not proven, refused");
    }
}
