package org.carp4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.List;
import org.carp4j.config.VipAddress;
import org.junit.jupiter.api.Test;

/**
 * The real kernel answers the requests: refusals come back one per request, matched to it, with
 * the errno named. Only requests the kernel must refuse are sent (an interface index that does not
 * exist), so nothing on this host changes.
 */
class NetlinkAddressesKernelTest {
    private static final int NO_SUCH_INDEX = Integer.MAX_VALUE - 7;

    @Test
    void everyRequestOfABatchIsAnsweredAndARefusalNamesItsAddressAndErrno() throws IOException {
        try (NetlinkAddresses nl = NetlinkAddresses.open()) {
            List<NetlinkAddresses.Request> batch = List.of(
                    new NetlinkAddresses.Request(true, NO_SUCH_INDEX, VipAddress.parse("192.0.2.10/24"), false),
                    new NetlinkAddresses.Request(true, NO_SUCH_INDEX, VipAddress.parse("2001:db8::10/64"), true),
                    new NetlinkAddresses.Request(false, NO_SUCH_INDEX, VipAddress.parse("192.0.2.11/24"), false));
            List<NetlinkAddresses.Refused> refused = nl.apply(batch);
            assumeTrue(refused.stream().noneMatch(r -> r.errno() == 1), "needs CAP_NET_ADMIN (root)");
            assertEquals(batch, refused.stream().map(NetlinkAddresses.Refused::request).toList());
            assertEquals(List.of(NetlinkAddresses.ENODEV, NetlinkAddresses.ENODEV, NetlinkAddresses.ENODEV),
                    refused.stream().map(NetlinkAddresses.Refused::errno).toList());
            assertEquals("add 192.0.2.10/24: no such interface (ENODEV)", refused.get(0).getMessage());
            // the socket is still good for the next batch
            assertEquals(1, nl.apply(batch.subList(2, 3)).size());
        }
    }

    /** The dump reads what `ip -j addr show` shows, interface by interface (it only reads). */
    @Test
    void theAddressDumpAgreesWithIp() throws Exception {
        java.util.Map<String, java.util.Set<VipAddress>> ip = new java.util.HashMap<>();
        Process p = new ProcessBuilder("ip", "-j", "addr", "show").redirectErrorStream(true).start();
        byte[] json = p.getInputStream().readAllBytes();
        assertEquals(true, p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        for (com.fasterxml.jackson.databind.JsonNode n : new com.fasterxml.jackson.databind.ObjectMapper().readTree(json)) {
            java.util.Set<VipAddress> set = new java.util.HashSet<>();
            for (com.fasterxml.jackson.databind.JsonNode a : n.path("addr_info")) {
                set.add(VipAddress.parse(a.path("local").asText() + "/" + a.path("prefixlen").asInt()));
            }
            if (!set.isEmpty()) {
                ip.put(n.path("ifname").asText(), set);
            }
        }
        try (NetlinkAddresses nl = NetlinkAddresses.open()) {
            java.util.Map<String, java.util.Set<VipAddress>> dumped = new java.util.HashMap<>();
            nl.addresses().forEach((name, list) -> dumped.put(name, java.util.Set.copyOf(list)));
            assertEquals(ip, dumped);
            assertEquals(true, dumped.containsKey("lo") && dumped.get("lo").contains(VipAddress.parse("127.0.0.1/8")), dumped.toString());
        }
    }

    @Test
    void anEmptyBatchSendsNothing() throws IOException {
        try (NetlinkAddresses nl = NetlinkAddresses.open()) {
            assertEquals(List.of(), nl.apply(List.of()));
        }
    }
}
