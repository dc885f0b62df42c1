package org.carp4j.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.carp4j.config.StateDocument;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.CarpState;
import org.junit.jupiter.api.Test;

/**
 * Each command here was accepted with exit 0 and did something else than the admin meant, or was
 * refused with a message that did not say why. Now it does what OpenBSD does, or says what is wrong.
 */
class PapercutsTest {
    private final Ifconfig ifconfig = new Ifconfig(List.of(
            new HostInterface("em0", List.of(VipAddress.parse("10.0.0.2/24"))),
            new HostInterface("em1", List.of(VipAddress.parse("192.0.2.1/24")))));
    private final StateDocument created = StateDocument.EMPTY.with(VhostConfig.created("carp0"));

    private IfconfigRequest run(String line) throws CommandException {
        return ifconfig.parse(created, "carp0", Arrays.asList(line.split(" ")));
    }

    private VhostConfig carp0(String line) throws CommandException {
        return run(line).next().find("carp0").orElseThrow();
    }

    private String refused(String line) {
        return assertThrows(CommandException.class, () -> run(line)).getMessage();
    }

    // ---- item 2: say what is wrong

    @Test
    void aTypoGetsTheKeywordItMeant() {
        assertEquals("unknown keyword vhdi, did you mean vhid?", refused("vhdi 1"));
        assertEquals("unknown keyword advksew, did you mean advskew?", refused("advksew 100"));
        assertEquals("unknown keyword carpdv, did you mean carpdev?", refused("carpdv em0"));
    }

    @Test
    void aBsdWordCarp4jDoesNotImplementIsNamedAsSuch() {
        for (String w : List.of("description", "group", "mtu", "lladdr", "carpnodes", "balancing", "-inet")) {
            assertEquals(w + ": not supported by carpconfig", refused("vhid 1 " + w + " x"));
        }
    }

    @Test
    void carpsysctlTyposAndCombinedFlags() throws Exception {
        Sysctl sysctl = new Sysctl();
        assertEquals("unknown oid 'preemt', did you mean 'preempt'?", assertThrows(CommandException.class,
                () -> sysctl.run(Sysctls.DEFAULTS, Map.of(), List.of("preemt=1"))).getMessage());
        assertEquals("unknown oid 'net.inet.carp.preemt', did you mean 'net.inet.carp.preempt'?",
                assertThrows(CommandException.class,
                        () -> sysctl.run(Sysctls.DEFAULTS, Map.of(), List.of("net.inet.carp.preemt"))).getMessage());
        // getopt's combined flags: -an is -a -n
        assertEquals(sysctl.run(Sysctls.DEFAULTS, Map.of(), List.of("-a", "-n")).lines(),
                sysctl.run(Sysctls.DEFAULTS, Map.of(), List.of("-an")).lines());
        assertEquals("illegal option -- q\n" + Sysctl.USAGE, assertThrows(CommandException.class,
                () -> sysctl.run(Sysctls.DEFAULTS, Map.of(), List.of("-aq"))).getMessage());
    }

    // ---- item 3: no silent misconfiguration

    @Test
    void theHostnameIfFormWithABroadcastAddress() throws Exception {
        // hostname.carpN: "inet 10.0.0.1 255.255.255.0 10.0.0.255" made 10.0.0.255/32 the VIP
        assertEquals(List.of(VipAddress.parse("10.0.0.1/24")),
                carp0("vhid 1 inet 10.0.0.1 255.255.255.0 10.0.0.255").addresses());
        assertEquals(List.of(VipAddress.parse("10.0.0.1/24")),
                carp0("vhid 1 10.0.0.1 netmask 0xffffff00 broadcast 10.0.0.255").addresses());
        assertEquals("broadcast 10.0.0.127: not the broadcast address of 10.0.0.1/24 (10.0.0.255), the only one"
                + " carpconfig sets", refused("vhid 1 inet 10.0.0.1 255.255.255.0 10.0.0.127"));
    }

    @Test
    void twoPositionalAddressesAreRefusedNotHalfKept() {
        assertEquals("10.0.0.5/24: a second address needs alias (10.0.0.1/24 is already the primary address in this"
                + " command)", refused("vhid 1 10.0.0.1/24 10.0.0.5/24"));
        assertEquals("10.0.0.5: not a netmask; a second address needs alias", refused("vhid 1 10.0.0.1 10.0.0.5"));
    }

    private static List<Step.Mode> modes(String line) throws CommandException {
        return Steps.parse(List.of(line.split(" "))).stream().map(st -> ((Step.Address) st).mode()).toList();
    }

    /** BSD ifconfig reads `alias ADDR` as `ADDR alias` (FreeBSD's handbook and OpenBSD's both write it so). */
    @Test
    void aliasAndMinusAliasMayComeBeforeTheAddress() throws Exception {
        assertEquals(List.of(VipAddress.parse("10.0.0.5/24")), carp0("vhid 1 alias 10.0.0.5/24").addresses());
        assertEquals(List.of(VipAddress.parse("10.0.0.5/24")),
                carp0("alias inet 10.0.0.5 netmask 255.255.255.0 vhid 1").addresses());
        assertEquals(Step.Mode.REMOVE, ((Step.Address) Steps.parse(List.of("-alias", "10.0.0.5/24")).get(0)).mode());
        assertEquals(Step.Mode.REMOVE, ((Step.Address) Steps.parse(List.of("-alias", "inet6", "2001:db8::5")).get(0)).mode());
        // right after an address, alias is that address's (the existing form), not the next one's
        assertEquals(Step.Mode.ALIAS, ((Step.Address) Steps.parse(List.of("10.0.0.1/24", "alias", "10.0.0.5/24")).get(0)).mode());
        assertEquals("alias 10.0.0.5/24: both alias and -alias", refused("vhid 1 alias 10.0.0.5/24 -alias"));
        assertEquals("-alias 2001:db8::5: both alias and -alias", refused("vhid 1 -alias inet6 2001:db8::5 alias"));
        // once the word comes first, a word between two addresses is the second one's: never a new primary
        assertEquals(List.of(Step.Mode.ALIAS, Step.Mode.ALIAS), modes("alias 10.0.0.5/24 alias 10.0.0.6/24"));
        assertEquals(List.of(Step.Mode.REMOVE, Step.Mode.REMOVE), modes("-alias 10.0.0.5 -alias 10.0.0.6"));
        assertEquals(List.of(Step.Mode.ALIAS, Step.Mode.REMOVE), modes("alias 10.0.0.5 -alias 10.0.0.6"));
        assertEquals("alias: needs an address after it, not vhid", refused("alias vhid 1"));
        assertEquals("alias: needs an address before or after it", refused("vhid 1 alias"));
    }

    @Test
    void anAddressWithoutAMaskTakesTheCarpdevsPrefix() throws Exception {
        assertEquals(List.of(VipAddress.parse("10.0.0.1/24")), carp0("vhid 1 10.0.0.1").addresses());
        assertEquals(List.of(VipAddress.parse("192.0.2.100/24")), carp0("vhid 1 carpdev em1 192.0.2.100").addresses());
        IfconfigRequest r = run("vhid 1 carpdev em0 172.31.0.1");
        assertEquals(List.of(VipAddress.parse("172.31.0.1/32")), r.next().find("carp0").orElseThrow().addresses());
        assertEquals(List.of("172.31.0.1: no netmask given and no subnet of the carpdev holds it: a /32"), r.warnings());
    }

    @Test
    void addressesThatCanOnlyBreakTheHostOrTheLanAreRefused() {
        assertEquals("10.0.0.2: an address of em0 on this host, not a virtual one", refused("vhid 1 10.0.0.2/24"));
        assertEquals("10.0.0.0: the network address of 10.0.0.0/24", refused("vhid 1 10.0.0.0/24"));
        assertEquals("10.0.0.255: the broadcast address of 10.0.0.0/24", refused("vhid 1 10.0.0.255/24"));
        assertEquals("127.0.0.1/8: a loopback address cannot be a carp address", refused("vhid 1 127.0.0.1/8"));
        assertEquals("carpdev carp1: a carp interface cannot carry carp (carp on carp)", refused("vhid 1 carpdev carp1"));
    }

    @Test
    void aPointToPointMaskHasNoNetworkOrBroadcastAddress() throws Exception {
        assertEquals(List.of(VipAddress.parse("10.0.0.0/31")), carp0("vhid 1 carpdev em0 10.0.0.0/31").addresses());
    }

    @Test
    void anInterfaceWithoutAVhidSaysSo() throws Exception {
        IfconfigRequest r = run("10.0.0.1/24");
        assertEquals(List.of("carp0 has no vhid: it takes part in no election until one is set"), r.warnings());
        assertEquals("\tcarp: INIT carpdev em0 vhid none advbase 1 advskew 0",
                new InterfaceView(r.next().find("carp0").orElseThrow(), CarpState.INIT, 0).text().lines().skip(1)
                        .findFirst().orElseThrow());
    }

    @Test
    void advbaseZeroNeedsAnAdvskew() throws Exception {
        assertEquals(0, carp0("advbase 0 advskew 1").advbase());
        StateDocument fast = created.with(carp0("advbase 0 advskew 1"));
        assertEquals("advbase 0 with advskew 0: no interval (advbase 0 needs advskew 1 to 254)", assertThrows(CommandException.class,
                () -> ifconfig.parse(fast, "carp0", List.of("advskew", "0"))).getMessage());
    }
}
