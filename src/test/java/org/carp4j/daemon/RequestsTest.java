package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.carp4j.commands.CarpconfigLine;
import org.carp4j.commands.CommandException;
import org.carp4j.commands.HostInterface;
import org.carp4j.config.StateDocument;
import org.carp4j.config.VipAddress;
import org.carp4j.control.Protocol;
import org.carp4j.election.CarpState;
import org.junit.jupiter.api.Test;

/**
 * The control requests against a stand-in daemon: what is accepted reaches commit whole, and
 * what is refused, including by a failing disk, leaves the configuration as it was.
 */
class RequestsTest {
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();

    /** Keeps the configuration in memory; its "disk" can be made to fail. */
    private static class StandIn implements Requests.Target {
        StateDocument doc = StateDocument.EMPTY;
        String diskError;
        String forced;
        List<HostInterface> host = List.of(new HostInterface("em0", List.of(VipAddress.parse("10.0.0.2/24"))));

        @Override
        public StateDocument doc() {
            return doc;
        }

        @Override
        public void commit(StateDocument next) throws IOException {
            if (diskError != null) {
                throw new IOException(diskError);
            }
            doc = next;
        }

        @Override
        public void force(String ifname, CarpState state) throws CommandException {
            forced = ifname + " " + state;
        }

        @Override
        public CarpState state(String ifname) {
            return CarpState.BACKUP;
        }

        @Override
        public Map<String, Long> stats() {
            return Map.of("ipackets", 7L);
        }

        @Override
        public List<HostInterface> hostInterfaces() {
            return host;
        }

        @Override
        public boolean foreignInterface(String name) {
            return host.stream().anyMatch(h -> h.name().equals(name));
        }
    }

    private final StandIn daemon = new StandIn();
    private final Requests requests = new Requests(daemon, new Log(new PrintStream(logged, true)));

    private Protocol.Response carpconfig(String line) {
        return requests.handle(new Protocol.Request("t", "carpconfig", List.of(line.split(" "))));
    }

    @Test
    void aNameTheHostsOwnInterfaceHoldsIsRefusedAndNothingChanges() {
        daemon.host = List.of(new HostInterface("em0", List.of()), new HostInterface("carp3", List.of()));
        Protocol.Response r = carpconfig("carp3 create vhid 3");
        assertEquals(1, r.exit());
        assertEquals("carp3: an interface of that name exists on this host and was not created by carpd;"
                + " remove it or choose another name", r.err());
        assertSame(StateDocument.EMPTY, daemon.doc);
        assertEquals(0, carpconfig("carp4 create vhid 4").exit(), "a free name is fine");
    }

    @Test
    void theHandbookPageIsCommittedAndShown() {
        assertEquals(0, carpconfig("carp0 create").exit());
        assertEquals(0, carpconfig("carp0 vhid 1 pass lanpasswd advskew 100 10.0.0.1 255.255.255.0").exit());
        assertEquals("em0", daemon.doc.find("carp0").orElseThrow().carpdev(), "chosen by subnet");
        assertEquals("""
                carp0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500
                \tcarp: BACKUP carpdev em0 vhid 1 advbase 1 advskew 100
                \tinet 10.0.0.1 netmask 0xffffff00 broadcast 10.0.0.255
                """, carpconfig("carp0").out());
        assertEquals(0, carpconfig("carp0 state master").exit());
        assertEquals("carp0 MASTER", daemon.forced);
    }

    @Test
    void aFailedSaveIsReportedAndChangesNothing() {
        carpconfig("carp0 create");
        StateDocument before = daemon.doc;
        daemon.diskError = "No space left on device";
        Protocol.Response r = carpconfig("carp0 vhid 1 carpdev em0 10.0.0.1/24");
        assertEquals(74, r.exit());
        assertEquals("cannot save configuration: No space left on device (nothing changed)", r.err());
        assertSame(before, daemon.doc);
        assertTrue(logged.toString().contains("cannot save the configuration: No space left on device"));
        r = requests.handle(new Protocol.Request("t", "carpsysctl", List.of("-w", "net.inet.carp.preempt=1")));
        assertEquals(74, r.exit());
        assertSame(before, daemon.doc);
    }

    @Test
    void refusedWordsAndUnknownOperations() {
        carpconfig("carp0 create");
        StateDocument before = daemon.doc;
        assertEquals(new Protocol.Response(1, "", "vhid 256: too large"), carpconfig("carp0 vhid 256"));
        assertEquals(new Protocol.Response(1, "", "carp: invalid carp demotion: too large"),
                carpconfig("-g carp carpdemote 200"));
        assertEquals(new Protocol.Response(1, "", "illegal option -- x\n" + CarpconfigLine.USAGE), carpconfig("-x"));
        assertEquals(2, requests.handle(new Protocol.Request("t", "reboot", List.of())).exit());
        assertSame(before, daemon.doc);
    }

    @Test
    void aBugIsAnInternalErrorNotACrash() {
        Requests broken = new Requests(new StandIn() {
            @Override
            public Map<String, Long> stats() {
                throw new IllegalStateException("boom");
            }
        }, new Log(new PrintStream(logged, true)));
        Protocol.Response r = broken.handle(new Protocol.Request("t", "carpsysctl", List.of("net.inet.carp.stats")));
        assertEquals(new Protocol.Response(70, "", "internal error: IllegalStateException (see carpd's log)"), r);
    }

    @Test
    void anInterfaceThatCanBeTakenOverIsWarnedAboutOnce() {
        assertEquals("", carpconfig("carp0 create").err(), "no vhid yet");
        Protocol.Response r = carpconfig("carp0 vhid 1 10.0.0.1/24");
        assertEquals(0, r.exit());
        assertEquals("warning: carp0 has no password; anyone on the LAN can take over vhid 1", r.err());
        assertEquals("", carpconfig("carp0 advskew 100").err(), "said once, not on every change");
        assertEquals("warning: carp0 has no password; anyone on the LAN can take over vhid 2", carpconfig("carp0 vhid 2").err());
        assertEquals("", carpconfig("carp0 pass lanpasswd").err());
        assertEquals("warning: carp0 has no password; anyone on the LAN can take over vhid 2", carpconfig("carp0 -pass").err());
        assertEquals("", carpconfig("carp1 create vhid 3 pass x 10.0.0.3/24").err());
    }

    /** --json with every display form; refused with a change. */
    @Test
    void jsonWithEveryDisplayForm() {
        assertEquals(0, carpconfig("carp0 create vhid 1 pass x 10.0.0.1/24").exit());
        String one = carpconfig("carp0 --json").out();
        assertTrue(one.startsWith("[ {") && one.contains("\"flags\" : [ \"UP\""), one);
        assertEquals(one, carpconfig("-a --json").out());
        assertEquals(one, requests.handle(new Protocol.Request("t", "carpconfig", List.of("--json"))).out(), "bare carpconfig");
        assertEquals(one, requests.handle(new Protocol.Request("t", "carpconfig", List.of())).exit() == 0 ? one : "");
        assertEquals("[ \"carp0\" ]\n", carpconfig("-l --json").out());
        assertEquals("{\n  \"group\" : \"carp\",\n  \"demote\" : 0\n}\n", carpconfig("-g carp --json").out());
        StateDocument before = daemon.doc;
        assertEquals(1, carpconfig("carp0 advskew 5 --json").exit());
        assertSame(before, daemon.doc);
    }
}
