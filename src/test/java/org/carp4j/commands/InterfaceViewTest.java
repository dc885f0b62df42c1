package org.carp4j.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.CarpState;
import org.junit.jupiter.api.Test;

class InterfaceViewTest {
    private final VhostConfig handbook = new VhostConfig("carp0", 1, "lanpasswd", "em0", 1, 100,
            List.of(VipAddress.parse("10.0.0.1/24")), true);

    @Test
    void looksLikeTheHandbook() {
        assertEquals("""
                carp0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500
                \tcarp: BACKUP carpdev em0 vhid 1 advbase 1 advskew 100
                \tinet 10.0.0.1 netmask 0xffffff00 broadcast 10.0.0.255
                """, new InterfaceView(handbook, CarpState.BACKUP, 0).text());
    }

    /** OpenBSD appends the peer only when it is not the multicast group. */
    @Test
    void carppeerSuffix() {
        VhostConfig unicast = handbook.withPeer(VipAddress.Inet.parseLiteral("10.0.0.3"));
        assertEquals("\tcarp: MASTER carpdev em0 vhid 1 advbase 1 advskew 100 carppeer 10.0.0.3",
                new InterfaceView(unicast, CarpState.MASTER, 0).text().lines().skip(1).findFirst().orElseThrow());
        assertEquals("10.0.0.3", new InterfaceView(unicast, CarpState.MASTER, 0).json().get("carppeer"));
        assertEquals("224.0.0.18", new InterfaceView(handbook, CarpState.MASTER, 0).json().get("carppeer"));
    }

    /** advbase 0 is shown as OpenBSD shows it; --json carries the two numbers as they are. */
    @Test
    void advbaseZero() {
        VhostConfig sub = handbook.withAdvbase(0).withAdvskew(8);
        assertEquals("\tcarp: MASTER carpdev em0 vhid 1 advbase 0 advskew 8",
                new InterfaceView(sub, CarpState.MASTER, 0).text().lines().skip(1).findFirst().orElseThrow());
        assertEquals(0, new InterfaceView(sub, CarpState.MASTER, 0).json().get("advbase"));
        assertEquals(8, new InterfaceView(sub, CarpState.MASTER, 0).json().get("advskew"));
    }

    @Test
    void flagsTellTheTruth() {
        assertEquals("flags=8802<BROADCAST,SIMPLEX,MULTICAST>",
                new InterfaceView(handbook.withUp(false), CarpState.INIT, 0).flagsText());
        assertEquals("flags=8803<UP,BROADCAST,SIMPLEX,MULTICAST>",
                new InterfaceView(handbook, CarpState.INIT, 0).flagsText());
    }

    @Test
    void ipv6AndFreshInterfaces() {
        VhostConfig v6 = handbook.withAddresses(List.of(VipAddress.parse("2001:db8::1/64")));
        assertEquals("\tinet6 2001:db8::1 prefixlen 64\n",
                new InterfaceView(v6, CarpState.MASTER, 0).text().lines().skip(2).findFirst().orElseThrow() + "\n");
        assertEquals("carp1: flags=8803<UP,BROADCAST,SIMPLEX,MULTICAST> mtu 1500\n"
                + "\tcarp: INIT carpdev none vhid none advbase 1 advskew 0\n",
                new InterfaceView(VhostConfig.created("carp1"), CarpState.INIT, 0).text(),
                "an interface in no election says so");
    }

    @Test
    void thePasswordIsNeverShown() {
        InterfaceView v = new InterfaceView(handbook, CarpState.MASTER, 0);
        assertFalse(v.text().contains("lanpasswd"));
        assertFalse(v.json().toString().contains("lanpasswd"));
        assertFalse(handbook.toString().contains("lanpasswd"));
    }

    /** The JSON schema of carpconfig(8): structured values, never the display strings. */
    @Test
    void jsonIsStructured() throws Exception {
        VhostConfig both = handbook.withAddresses(List.of(VipAddress.parse("10.0.0.1/24"), VipAddress.parse("2001:db8::1/64")));
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                new InterfaceView(both, CarpState.MASTER, 2).json());
        assertEquals("{\"name\":\"carp0\",\"flags\":[\"UP\",\"BROADCAST\",\"RUNNING\",\"SIMPLEX\",\"MULTICAST\"],"
                + "\"up\":true,\"state\":\"MASTER\",\"vhid\":1,\"carpdev\":\"em0\",\"advbase\":1,\"advskew\":100,"
                + "\"carppeer\":\"224.0.0.18\",\"demote\":2,\"advskew_sent\":100,\"demoted_by\":null,\"addresses\":["
                + "{\"family\":\"inet\",\"address\":\"10.0.0.1\",\"prefixlen\":24,\"cidr\":\"10.0.0.1/24\","
                + "\"netmask\":\"255.255.255.0\",\"broadcast\":\"10.0.0.255\"},"
                + "{\"family\":\"inet6\",\"address\":\"2001:db8::1\",\"prefixlen\":64,\"cidr\":\"2001:db8::1/64\"}]}", json);
        assertEquals(null, new InterfaceView(VhostConfig.created("carp1"), CarpState.INIT, 0).json().get("vhid"));
    }

    /** A dead carpdev with preempt demotes the host: the line shows what is advertised, and why. */
    @Test
    void aDemotedHostSaysWhy() {
        InterfaceView v = new InterfaceView(handbook, CarpState.BACKUP, 0, 240, "carpdev em1 link down");
        assertEquals("\tcarp: BACKUP carpdev em0 vhid 1 advbase 1 advskew 240 (demoted: carpdev em1 link down;"
                + " advskew 100 configured)", v.text().lines().skip(1).findFirst().orElseThrow());
        assertEquals(240, v.json().get("advskew_sent"));
        assertEquals(100, v.json().get("advskew"));
        assertEquals("carpdev em1 link down", v.json().get("demoted_by"));
    }
}
