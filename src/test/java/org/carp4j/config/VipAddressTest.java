package org.carp4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VipAddressTest {
    @ParameterizedTest
    @CsvSource({
        "2001:db8::1, 2001:db8::1",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "fe80::, fe80::",
        "::1, ::1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "10.0.0.1, 10.0.0.1",
    })
    void formatsLikeIfconfig(String in, String out) {
        assertEquals(out, VipAddress.Inet.format(VipAddress.Inet.parseLiteral(in)));
    }

    @ParameterizedTest
    @CsvSource({"example.com", "10.0.0", "10.0.0.256", "1.2.3.4.5", "''"})
    void neverResolvesNames(String s) {
        assertThrows(IllegalArgumentException.class, () -> VipAddress.Inet.parseLiteral(s));
    }
}
