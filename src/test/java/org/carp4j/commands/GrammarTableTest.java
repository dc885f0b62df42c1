package org.carp4j.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VipAddress;
import org.carp4j.election.CarpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The command-line table: every keyword row has a valid example that parses into the step it
 * names and an invalid one refused with the BSD-shaped message; every command-line form parses
 * into its plan; every sysctl row takes its range and refuses one past it.
 */
class GrammarTableTest {
    record Example(String valid, Step step, String invalid, String message) {
    }

    static final Map<Keyword, Example> EXAMPLES = new EnumMap<>(Map.ofEntries(
            Map.entry(Keyword.CREATE, new Example("create", word(Keyword.CREATE, null), "create 1", "unknown keyword 1")),
            Map.entry(Keyword.DESTROY, new Example("destroy", word(Keyword.DESTROY, null), "destory", "unknown keyword destory, did you mean destroy?")),
            Map.entry(Keyword.UP, new Example("up", word(Keyword.UP, null), "upp", "unknown keyword upp, did you mean up?")),
            Map.entry(Keyword.DOWN, new Example("down", word(Keyword.DOWN, null), "donw", "unknown keyword donw, did you mean down?")),
            Map.entry(Keyword.VHID, new Example("vhid 255", word(Keyword.VHID, 255), "vhid 256", "vhid 256: too large")),
            Map.entry(Keyword.ADVBASE, new Example("advbase 0", word(Keyword.ADVBASE, 0), "advbase 256", "advbase 256: too large")),
            Map.entry(Keyword.ADVSKEW, new Example("advskew 254", word(Keyword.ADVSKEW, 254), "advskew 1x", "advskew 1x: invalid")),
            Map.entry(Keyword.PASS, new Example("pass lanpasswd", word(Keyword.PASS, "lanpasswd"), "pass abcdefghijklmnopqrst",
                    "pass: longer than 19 characters")),
            Map.entry(Keyword.NOPASS, new Example("-pass", word(Keyword.NOPASS, null), "-pas", "unknown keyword -pas, did you mean -pass?")),
            Map.entry(Keyword.CARPDEV, new Example("carpdev em0", word(Keyword.CARPDEV, "em0"), "carpdev carp1",
                    "carpdev carp1: a carp interface cannot carry carp (carp on carp)")),
            Map.entry(Keyword.NOCARPDEV, new Example("-carpdev", word(Keyword.NOCARPDEV, null), "-carpdev em0",
                    "unknown keyword em0")),
            Map.entry(Keyword.CARPPEER, new Example("carppeer 10.0.0.3", word(Keyword.CARPPEER, VipAddress.Inet.parseLiteral("10.0.0.3")),
                    "carppeer 239.1.1.1", "carppeer 239.1.1.1: not a unicast address (224.0.0.18, the default, is the only group)")),
            Map.entry(Keyword.NOCARPPEER, new Example("-carppeer", word(Keyword.NOCARPPEER, null), "-carppeer 10.0.0.3 x",
                    "unknown keyword x")),
            Map.entry(Keyword.STATE, new Example("state master", word(Keyword.STATE, CarpState.MASTER), "state sideways",
                    "state sideways: bad value (init, backup or master)")),
            Map.entry(Keyword.INET, new Example("inet 10.0.0.1/24", address("10.0.0.1/24", "10.0.0.1", 24, null, Step.Mode.PRIMARY),
                    "inet 2001:db8::1", "2001:db8::1: bad address")),
            Map.entry(Keyword.INET6, new Example("inet6 2001:db8::1", address("2001:db8::1", "2001:db8::1", null, null, Step.Mode.ALIAS),
                    "inet6 ::1", "::1: a loopback address cannot be a carp address")),
            Map.entry(Keyword.NETMASK, new Example("10.0.0.1 netmask 255.255.0.0", address("10.0.0.1", "10.0.0.1", 16, null, Step.Mode.PRIMARY),
                    "netmask 255.255.0.0", "netmask: needs an address before it")),
            Map.entry(Keyword.PREFIXLEN, new Example("inet6 2001:db8::1 prefixlen 48", address("2001:db8::1", "2001:db8::1", 48, null, Step.Mode.ALIAS),
                    "inet6 2001:db8::1 prefixlen 129", "prefixlen 129: too large")),
            Map.entry(Keyword.BROADCAST, new Example("10.0.0.1/24 broadcast 10.0.0.255",
                    address("10.0.0.1/24", "10.0.0.1", 24, "10.0.0.255", Step.Mode.PRIMARY), "10.0.0.1/24 broadcast 10.0.0.7",
                    "broadcast 10.0.0.7: not the broadcast address of 10.0.0.1/24 (10.0.0.255), the only one carpconfig sets")),
            Map.entry(Keyword.ALIAS, new Example("10.0.0.5/24 alias", address("10.0.0.5/24", "10.0.0.5", 24, null, Step.Mode.ALIAS),
                    "alias", "alias: needs an address before or after it")),
            Map.entry(Keyword.NOALIAS, new Example("10.0.0.5 -alias", address("10.0.0.5", "10.0.0.5", null, null, Step.Mode.REMOVE),
                    "-alias carpdev em0", "-alias: needs an address after it, not carpdev"))));

    static Step word(Keyword k, Object value) {
        return new Step.Word(k, value);
    }

    static Step address(String word, String a, Integer prefix, String broadcast, Step.Mode mode) {
        return new Step.Address(word, VipAddress.Inet.parseLiteral(a), prefix,
                broadcast == null ? null : VipAddress.Inet.parseLiteral(broadcast), mode);
    }

    static List<String> words(String line) {
        return line.isEmpty() ? List.of() : Arrays.asList(line.split(" "));
    }

    @Test
    void everyKeywordHasItsExamples() {
        assertEquals(List.of(Keyword.values()), List.copyOf(EXAMPLES.keySet()), "a new row needs a valid and an invalid example");
    }

    @ParameterizedTest
    @EnumSource(Keyword.class)
    void aValidExampleParsesIntoItsStep(Keyword k) throws Exception {
        Example e = EXAMPLES.get(k);
        assertEquals(new Plan.Configure("carp0", List.of(e.step())),
                CarpconfigLine.parse(Stream.concat(Stream.of("carp0"), words(e.valid()).stream()).toList()));
    }

    @ParameterizedTest
    @EnumSource(Keyword.class)
    void anInvalidExampleIsRefusedByName(Keyword k) {
        Example e = EXAMPLES.get(k);
        assertEquals(e.message(), assertThrows(CommandException.class,
                () -> CarpconfigLine.parse(Stream.concat(Stream.of("carp0"), words(e.invalid()).stream()).toList()))
                .getMessage());
    }

    @Test
    void commandLineForms() throws Exception {
        assertEquals(new Plan.ShowAll(false), CarpconfigLine.parse(List.of()));
        assertEquals(new Plan.ShowAll(true), CarpconfigLine.parse(List.of("--json")));
        assertEquals(new Plan.ShowAll(true), CarpconfigLine.parse(List.of("-a", "--json")));
        assertEquals(new Plan.ListNames(false), CarpconfigLine.parse(List.of("-l")));
        assertEquals(new Plan.ListNames(true), CarpconfigLine.parse(List.of("-l", "--json")));
        assertEquals(new Plan.ShowGroup(false), CarpconfigLine.parse(List.of("-g", "carp")));
        assertEquals(new Plan.ShowGroup(true), CarpconfigLine.parse(List.of("--json", "-g", "carp")));
        assertEquals(new Plan.Demote(1), CarpconfigLine.parse(List.of("-g", "carp", "carpdemote")));
        assertEquals(new Plan.Demote(128), CarpconfigLine.parse(List.of("-g", "carp", "carpdemote", "128")));
        assertEquals(new Plan.Demote(-5), CarpconfigLine.parse(List.of("-g", "carp", "-carpdemote", "5")));
        assertEquals(new Plan.Show("carp0", true), CarpconfigLine.parse(List.of("carp0", "--json")));
        assertEquals(new Plan.Configure("carp0", List.of(word(Keyword.VHID, 1), word(Keyword.PASS, "x"))),
                CarpconfigLine.parse(List.of("carp0", "vhid", "1", "pass", "x")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-a carp0                      | -a: takes no other words (carp0)",
        "-x                            | illegal option -- x<usage>",
        "-g                            | -g: missing group name",
        "-g wan                        | wan: no such group (carp interfaces are in group carp)",
        "-g carp carpdemote 129        | carp: invalid carp demotion: too large",
        "-g carp carpdemote x          | carp: invalid carp demotion: invalid",
        "-g carp carpdemot             | unknown group keyword carpdemot, did you mean carpdemote?",
        "-g carp carpdemote 1 2        | 2: extra word after carpdemote 1",
        "carp0 vhid 1 --json           | --json: only with a display (-a, -l, -g carp, carpN alone)",
        "carp0 vhdi 1                  | unknown keyword vhdi, did you mean vhid?",
        "carp0 mtu 1400                | mtu: not supported by carpconfig",
        "carp0 description uplink      | description: not supported by carpconfig",
        "carp0 carpnodes 1:0           | carpnodes: not supported by carpconfig",
        "carp0 -inet                   | -inet: not supported by carpconfig",
    })
    void commandLineRefusals(String line, String message) {
        assertEquals(message.replace("<usage>", "\n" + CarpconfigLine.USAGE),
                assertThrows(CommandException.class, () -> CarpconfigLine.parse(words(line))).getMessage());
    }

    /** The rows are carpsysctl(8)'s list, written out: not read from SysctlVar, the table under test. */
    @ParameterizedTest
    @CsvSource({
        "allow,       1, 0, 1",
        "preempt,     0, 0, 1",
        "log,         0, 0, 2",
        "arpbalance,  0, 0, 1",
        "replay,      0, 0, 1",
        "garprefresh, 0, 0, 3600",
        "strictauth,  0, 0, 1",
    })
    void everySysctlTakesItsRangeAndRefusesOnePast(String name, int dflt, int min, int max) throws Exception {
        String full = "net.inet.carp." + name;
        assertEquals(dflt, Sysctls.DEFAULTS.get(name));
        Sysctl sysctl = new Sysctl();
        assertEquals(max, sysctl.run(Sysctls.DEFAULTS, Map.of(), List.of(full + "=" + max)).sysctls().get(name));
        assertEquals(min, sysctl.run(Sysctls.DEFAULTS, Map.of(), List.of(name + "=" + min)).sysctls().get(name));
        assertEquals(full + "=" + (max + 1) + ": Invalid argument (" + min + ".." + max + ")",
                assertThrows(CommandException.class,
                        () -> sysctl.run(Sysctls.DEFAULTS, Map.of(), List.of(full + "=" + (max + 1)))).getMessage());
        assertEquals(full + "=" + (min - 1) + ": Invalid argument (" + min + ".." + max + ")",
                assertThrows(CommandException.class,
                        () -> sysctl.run(Sysctls.DEFAULTS, Map.of(), List.of(full + "=" + (min - 1)))).getMessage());
    }

    @Test
    void theSysctlTableHasExactlyTheVariablesOfTheManPage() {
        assertEquals(List.of("allow", "preempt", "log", "arpbalance", "replay", "garprefresh", "strictauth"),
                Sysctls.NAMES);
    }

    @Test
    void oneBoundedNumberParser() throws Exception {
        assertEquals(7, Bounded.strtonum("7", 0, 10));
        assertEquals("invalid", assertThrows(Bounded.OutOfRange.class, () -> Bounded.strtonum("0x7", 0, 10)).getMessage());
        assertEquals("invalid", assertThrows(Bounded.OutOfRange.class, () -> Bounded.strtonum("", 0, 10)).getMessage());
        assertEquals("invalid", assertThrows(Bounded.OutOfRange.class,
                () -> Bounded.strtonum("99999999999999999999", 0, 10)).getMessage());
        assertEquals("too small", assertThrows(Bounded.OutOfRange.class, () -> Bounded.strtonum("-1", 0, 10)).getMessage());
        assertEquals("too large", assertThrows(Bounded.OutOfRange.class, () -> Bounded.strtonum("11", 0, 10)).getMessage());
    }
}
