package org.carp4j.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.carp4j.config.Sysctls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SysctlTest {
    private final Map<String, Long> stats = new LinkedHashMap<>(Map.of("ipackets", 12L));

    private Sysctl.Result run(String line) throws CommandException {
        return new Sysctl().run(Sysctls.DEFAULTS, stats, Arrays.asList(line.split(" ")));
    }

    @Test
    void writesPrintOldAndNew() throws Exception {
        Sysctl.Result r = run("-w net.inet.carp.preempt=1");
        assertEquals(List.of("net.inet.carp.preempt: 0 -> 1"), r.lines());
        assertEquals(1, r.sysctls().preempt());
        assertEquals(List.of("net.inet.carp.allow: 1 -> 1"), run("net.inet.carp.allow=1").lines());
        assertEquals(1, run("preempt=1").sysctls().preempt(), "short names work too");
    }

    @Test
    void reads() throws Exception {
        assertEquals(List.of("net.inet.carp.preempt: 0"), run("net.inet.carp.preempt").lines());
        assertEquals(List.of("0"), run("-n preempt").lines());
        assertEquals(List.of("net.inet.carp.allow: 1", "net.inet.carp.preempt: 0", "net.inet.carp.log: 0",
                "net.inet.carp.arpbalance: 0", "net.inet.carp.replay: 0", "net.inet.carp.garprefresh: 0", "net.inet.carp.strictauth: 0",
                "net.inet.carp.stats.ipackets: 12"),
                run("net.inet.carp").lines());
        assertEquals(run("net.inet.carp").lines(), run("-a").lines());
        assertEquals(List.of("net.inet.carp.stats.ipackets: 12"), run("stats").lines());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "net.inet.carp.bogus            | unknown oid 'net.inet.carp.bogus'",
        "bogus=1                        | unknown oid 'bogus'",
        "preempt=yes                    | invalid integer 'yes'",
        "preempt=2                      | net.inet.carp.preempt=2: Invalid argument (0..1)",
        "log=-1                         | net.inet.carp.log=-1: Invalid argument (0..2)",
        "stats.ipackets=0               | oid 'net.inet.carp.stats.ipackets' is read only",
        "preempt=1 bogus=1              | unknown oid 'bogus'",
        "-x                             | illegal option -- x<usage>",
        "net.inet.carp=1                | oid 'net.inet.carp' isn't a leaf node",
        "net=1                          | oid 'net' isn't a leaf node",
        "stats=1                        | oid 'net.inet.carp.stats' is read only",
    })
    void refusedLikeSysctl(String line, String message) {
        assertEquals(message.replace("<usage>", "\n" + Sysctl.USAGE),
                assertThrows(CommandException.class, () -> run(line)).getMessage());
    }
}
