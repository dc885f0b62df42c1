package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.carp4j.control.Protocol;
import org.junit.jupiter.api.Test;

class ControlGateTest {
    private static boolean readsHost(String... words) {
        return ControlGate.mayNeedHost(new Protocol.Request("t", "carpconfig", List.of(words)));
    }

    @Test
    void wordsThatChooseOrCheckTheCarpdevReadTheHost() {
        assertTrue(readsHost("carp0", "carpdev", "em0"));
        assertTrue(readsHost("carp0", "172.16.0.100/24"));
        assertTrue(readsHost("carp0", "inet6", "2001:db8::1"));
        // found by HardeningIT: -carpdev on an interface with addresses chooses the carpdev by subnet again,
        // and was answered "the host's interfaces were not read for this request" (exit 74)
        assertTrue(readsHost("carp0", "-carpdev"));
    }

    @Test
    void otherWordsAndDisplaysDoNot() {
        assertFalse(readsHost("carp0", "advskew", "100"));
        assertFalse(readsHost("carp0"));
        assertFalse(readsHost("-a"));
    }
}
