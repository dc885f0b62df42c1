package org.carp4j.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.carp4j.config.VipAddress;
import org.junit.jupiter.api.Test;

/**
 * A former master must not send MLD reports from the virtual MAC (SilentBackupIT): the release
 * of a carp interface's last IPv6 addresses is done silently, any other release as usual.
 */
class SilentReleaseTest {
    static final String IF_INET6 = """
            20010db8000000000000000000000100 07 40 00 80    carp0
            20010db8000000000000000000000101 07 40 00 80    carp0
            20010db8000000000000000000000100 08 40 00 80    carp1
            fe800000000000000000000000000002 03 40 20 80      em0
            """;

    static List<VipAddress> vips(String... a) {
        return java.util.Arrays.stream(a).map(VipAddress::parse).toList();
    }

    @Test
    void releasingEveryIpv6AddressOfTheInterfaceIsSilent() throws Exception {
        assertTrue(SilentRelease.releasesLastIpv6("carp0", vips("172.16.0.100/24", "2001:db8::100/64",
                "2001:db8::101/64"), IF_INET6));
        assertTrue(SilentRelease.releasesLastIpv6("carp1", vips("2001:db8::100/64"), IF_INET6),
                "another interface's equal address does not count");
    }

    @Test
    void aMasterDroppingOneOfSeveralIpv6AliasesOrHoldingNoneLeavesIpv6On() throws Exception {
        assertFalse(SilentRelease.releasesLastIpv6("carp0", vips("2001:db8::101/64"), IF_INET6),
                "2001:db8::100 stays: MLD must keep working for it");
        assertFalse(SilentRelease.releasesLastIpv6("carp2", vips("2001:db8::100/64"), IF_INET6),
                "nothing IPv6 on the interface: nothing to silence");
        assertFalse(SilentRelease.releasesLastIpv6("carp0", vips("172.16.0.100/24"), IF_INET6));
    }
}
