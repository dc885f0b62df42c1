package org.carp4j.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.carp4j.config.StateDocument;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.CarpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IfconfigTest {
    private final Ifconfig ifconfig = new Ifconfig(List.of(
            new HostInterface("em0", List.of(VipAddress.parse("10.0.0.2/24"))),
            new HostInterface("em1", List.of(VipAddress.parse("192.0.2.1/24")))));
    private final StateDocument created = StateDocument.EMPTY.with(VhostConfig.created("carp0"));

    private VhostConfig apply(String line) throws CommandException {
        return ifconfig.parse(created, "carp0", Arrays.asList(line.split(" "))).next().find("carp0").orElseThrow();
    }

    private String error(StateDocument doc, String name, String line) {
        return assertThrows(CommandException.class,
                () -> ifconfig.parse(doc, name, line.isEmpty() ? List.of() : Arrays.asList(line.split(" ")))).getMessage();
    }

    @Test
    void theHandbookLine() throws Exception {
        VhostConfig c = apply("vhid 1 pass lanpasswd carpdev em0 advskew 100 10.0.0.1 255.255.255.0");
        assertEquals(1, c.vhid());
        assertEquals("lanpasswd", c.password());
        assertEquals("em0", c.carpdev());
        assertEquals(100, c.advskew());
        assertEquals(1, c.advbase());
        assertEquals(List.of(VipAddress.parse("10.0.0.1/24")), c.addresses());
    }

    @Test
    void keywordsInAnyOrderAndAnySubset() throws Exception {
        assertEquals(apply("vhid 1 pass lanpasswd carpdev em0 advskew 100 10.0.0.1 255.255.255.0"),
                apply("10.0.0.1/24 advskew 100 carpdev em0 pass lanpasswd vhid 1"));
        VhostConfig c = apply("advbase 5");
        assertEquals(5, c.advbase());
        assertEquals(0, c.vhid());
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.1 255.255.255.0, 24",
        "10.0.0.1 0xffffff00,    24",
        "10.0.0.1/25,            25",
        "10.0.0.1 netmask 255.255.0.0, 16",
        "inet 10.0.0.1/24,       24",
        "10.0.0.1,               24",
    })
    void addressForms(String words, int prefix) throws Exception {
        assertEquals(List.of(VipAddress.parse("10.0.0.1/" + prefix)), apply("vhid 1 " + words).addresses());
    }

    @Test
    void aliasAddsAndMinusAliasRemoves() throws Exception {
        StateDocument d = ifconfig.parse(created, "carp0", List.of("vhid", "1", "10.0.0.1/24")).next();
        d = ifconfig.parse(d, "carp0", List.of("10.0.0.5/24", "alias")).next();
        d = ifconfig.parse(d, "carp0", List.of("inet6", "2001:db8::1", "prefixlen", "64")).next();
        assertEquals(List.of(VipAddress.parse("10.0.0.1/24"), VipAddress.parse("10.0.0.5/24"),
                VipAddress.parse("2001:db8::1/64")), d.find("carp0").orElseThrow().addresses());
        d = ifconfig.parse(d, "carp0", List.of("10.0.0.1", "-alias")).next();
        assertEquals(2, d.find("carp0").orElseThrow().addresses().size());
        // without alias an IPv4 address replaces the primary one
        d = ifconfig.parse(d, "carp0", List.of("10.0.0.9/24")).next();
        assertEquals(VipAddress.parse("10.0.0.9/24"), d.find("carp0").orElseThrow().addresses().get(0));
    }

    @Test
    void givingThePrimaryAddressAgainChangesOnlyItAndKeepsTheAliases() throws Exception {
        // found by HardeningIT: re-giving the primary (to change its mask) replaced the first alias
        // instead, so the alias was silently lost
        StateDocument d = ifconfig.parse(created, "carp0", List.of("vhid", "1", "10.0.0.1/24")).next();
        d = ifconfig.parse(d, "carp0", List.of("10.0.0.5/24", "alias")).next();
        d = ifconfig.parse(d, "carp0", List.of("10.0.0.1/25")).next();
        assertEquals(List.of(VipAddress.parse("10.0.0.1/25"), VipAddress.parse("10.0.0.5/24")),
                d.find("carp0").orElseThrow().addresses());
        // an alias given without alias becomes the primary, replacing it, and is not listed twice
        d = ifconfig.parse(d, "carp0", List.of("10.0.0.5/24")).next();
        assertEquals(List.of(VipAddress.parse("10.0.0.5/24")), d.find("carp0").orElseThrow().addresses());
    }

    @Test
    void aMasterMayChangeTheMaskOfTheAddressItHolds() throws Exception {
        // found by HardeningIT: on a master, carpd's own carp0 holds the VIP, and the check for the host's
        // own addresses refused "10.0.0.100: an address of carp0 on this host", which a backup accepted
        Ifconfig master = new Ifconfig(List.of(
                new HostInterface("em0", List.of(VipAddress.parse("10.0.0.2/24"))),
                new HostInterface("carp0", List.of(VipAddress.parse("10.0.0.100/24")))));
        StateDocument d = master.parse(created, "carp0", List.of("vhid", "1", "carpdev", "em0", "10.0.0.100/24")).next();
        d = master.parse(d, "carp0", List.of("10.0.0.100/25")).next();
        assertEquals(List.of(VipAddress.parse("10.0.0.100/25")), d.find("carp0").orElseThrow().addresses());
        assertTrue(error(d, "carp0", "10.0.0.2/24 alias").contains("an address of em0"));
    }

    @Test
    void theCarpdevBySubnetIsNeverACarpInterface() throws Exception {
        // a master's carp0 holds 10.9.9.9/24, a subnet no physical interface has: carp1 10.9.9.10 without a
        // carpdev would otherwise get carp0 as its carpdev (carp on carp)
        Ifconfig master = new Ifconfig(List.of(
                new HostInterface("em0", List.of(VipAddress.parse("10.0.0.2/24"))),
                new HostInterface("carp0", List.of(VipAddress.parse("10.9.9.9/24")))));
        StateDocument d = StateDocument.EMPTY.with(VhostConfig.created("carp1"));
        String e = assertThrows(CommandException.class,
                () -> master.parse(d, "carp1", List.of("vhid", "2", "10.9.9.10/24"))).getMessage();
        assertTrue(e.startsWith("carpdev: none given"), e);
    }

    @Test
    void aMaskGivenLaterForTheSameAddressWins() throws Exception {
        // found by HardeningIT: the carpdev's prefix (or the /32 warning) also overrode a mask given later in the line
        assertEquals(List.of(VipAddress.parse("10.0.0.5/25")),
                apply("vhid 1 carpdev em0 10.0.0.5 alias 10.0.0.5/25 alias").addresses());
        assertEquals(List.of(VipAddress.parse("10.0.0.5/24")),
                apply("vhid 1 carpdev em0 10.0.0.5/25 alias 10.0.0.5 alias").addresses());
    }

    @Test
    void minusCarpdevAfterCarpdevInTheSameLineChoosesBySubnet() throws Exception {
        // found by HardeningIT: the carpdev stayed unset with addresses, and every later command on the
        // interface needed the host's interfaces, which carpd had not read for it (exit 74)
        assertEquals("em0", apply("vhid 1 carpdev em1 10.0.0.1/24 -carpdev").carpdev());
    }

    @Test
    void carpdevOmittedIsChosenBySubnet() throws Exception {
        assertEquals("em0", apply("vhid 1 10.0.0.1/24").carpdev());
        assertEquals("em1", apply("vhid 2 192.0.2.100 255.255.255.0").carpdev());
        assertEquals("carpdev: none given, and no interface's subnet holds 172.31.0.1", error(created, "carp0", "vhid 1 172.31.0.1/24"));
        assertEquals(null, apply("vhid 1 carpdev em0 -carpdev").carpdev());
    }

    @Test
    void stateAndUpDownAndDestroy() throws Exception {
        var r = ifconfig.parse(created, "carp0", List.of("state", "MASTER"));
        assertEquals(CarpState.MASTER, r.forceState().orElseThrow());
        assertEquals(false, apply("down").up());
        assertTrue(ifconfig.parse(created, "carp0", List.of("destroy")).next().interfaces().isEmpty());
        assertTrue(ifconfig.parse(StateDocument.EMPTY, "carp0", List.of("create")).next().find("carp0").isPresent());
        assertTrue(ifconfig.parse(created, "carp0", List.of()).display());
    }

    /** The error table: BSD words, and any bad word applies nothing (the parser throws). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "vhid 256                      | vhid 256: too large",
        "vhid 0                        | vhid 0: too small",
        "vhid x                        | vhid x: invalid",
        "vhid                          | vhid: missing argument",
        "advbase -1                    | advbase -1: too small",
        "advbase 0                     | advbase 0 with advskew 0: no interval (advbase 0 needs advskew 1 to 254)",
        "advskew 0 advbase 0           | advbase 0 with advskew 0: no interval (advbase 0 needs advskew 1 to 254)",
        "advbase 0 advskew 8 advskew 0 | advbase 0 with advskew 0: no interval (advbase 0 needs advskew 1 to 254)",
        "advbase 256                   | advbase 256: too large",
        "advskew 255                   | advskew 255: too large",
        "pass abcdefghijklmnopqrst     | pass: longer than 19 characters",
        "frobnicate                    | unknown keyword frobnicate",
        "vhid 1 frobnicate             | unknown keyword frobnicate",
        "state sideways                | state sideways: bad value (init, backup or master)",
        "carpdev em9                   | carpdev em9: no such interface",
        "10.0.0.1 255.0.255.0          | 255.0.255.0: bad netmask (not contiguous)",
        "10.0.0.1/33                   | 10.0.0.1/33: bad prefix length",
        "300.1.1.1                     | 300.1.1.1: bad address",
        "create                        | carp0: interface exists",
        "10.0.0.7 -alias               | 10.0.0.7: no such address on carp0",
        "carppeer                      | carppeer: missing argument",
        "carppeer fe80::1              | only IPv4 addresses supported for the carppeer",
        "carppeer peer.example         | error in parsing address string: peer.example",
        "carppeer 10.0.0               | error in parsing address string: 10.0.0",
        "carppeer 239.1.1.1            | carppeer 239.1.1.1: not a unicast address (224.0.0.18, the default, is the only group)",
        "carppeer 255.255.255.255      | carppeer 255.255.255.255: not the address of a peer",
        "carppeer 127.0.0.1            | carppeer 127.0.0.1: not the address of a peer",
        "carppeer 0.0.0.0              | carppeer 0.0.0.0: not the address of a peer",
        "10.0.0.1 carppeer 10.0.0.1    | 10.0.0.1 is an address of carp0 itself",
    })
    void errorTable(String words, String message) {
        assertEquals(message, error(created, "carp0", words));
    }

    /** OpenBSD's unicast peer; -carppeer and the group's own address both mean multicast again. */
    @Test
    void carppeer() throws Exception {
        VhostConfig c = apply("vhid 1 carpdev em0 carppeer 10.0.0.3 10.0.0.1/24");
        assertEquals(VipAddress.Inet.parseLiteral("10.0.0.3"), c.peer());
        StateDocument d = created.with(c);
        assertEquals(null, ifconfig.parse(d, "carp0", List.of("-carppeer")).next().find("carp0").orElseThrow().peer());
        assertEquals(null, ifconfig.parse(d, "carp0", List.of("carppeer", "224.0.0.18")).next().find("carp0")
                .orElseThrow().peer());
        assertEquals(c.withAdvskew(5), ifconfig.parse(d, "carp0", List.of("advskew", "5")).next().find("carp0")
                .orElseThrow(), "other keywords keep the peer");
    }

    /** OpenBSD's advbase 0: sub-second adverts every advskew/256 s, in either word order. */
    @Test
    void advbaseZeroWithASkew() throws Exception {
        VhostConfig c = apply("vhid 1 advbase 0 advskew 8 10.0.0.1/24");
        assertEquals(0, c.advbase());
        assertEquals(8, c.advskew());
        assertEquals(c, apply("vhid 1 advskew 8 advbase 0 10.0.0.1/24"));
        assertEquals(254, apply("advbase 0 advskew 254").advskew());
    }

    /** A later command cannot take the skew of an advbase-0 interface to 0 (nor advbase to 0 at skew 0). */
    @Test
    void advbaseZeroRefusesSkewZeroLater() throws Exception {
        StateDocument d = ifconfig.parse(created, "carp0", List.of("vhid", "1", "advbase", "0", "advskew", "8")).next();
        String zero = "advbase 0 with advskew 0: no interval (advbase 0 needs advskew 1 to 254)";
        assertEquals(zero, error(d, "carp0", "advskew 0"));
        StateDocument one = ifconfig.parse(created, "carp0", List.of("vhid", "1")).next();
        assertEquals(zero, error(one, "carp0", "advbase 0"));
        assertEquals(1, ifconfig.parse(d, "carp0", List.of("advskew", "0", "advbase", "1")).next()
                .find("carp0").orElseThrow().advbase());
    }

    @Test
    void namesAndDuplicates() throws Exception {
        assertEquals("carp9: no such interface", error(created, "carp9", ""));
        assertEquals("carp9: no such interface", error(created, "carp9", "vhid 1"));
        assertEquals("eth0: not a carp interface (carpN)", error(created, "eth0", "create"));
        StateDocument d = ifconfig.parse(created, "carp0", List.of("vhid", "1", "carpdev", "em0")).next();
        d = d.with(VhostConfig.created("carp1"));
        assertEquals("vhid 1 on em0 already used by carp0", error(d, "carp1", "vhid 1 carpdev em0"));
    }
}
