package org.carp4j.election;

import static org.carp4j.election.CarpState.BACKUP;
import static org.carp4j.election.CarpState.INIT;
import static org.carp4j.election.CarpState.MASTER;
import static org.carp4j.election.SimLab.MS;
import static org.carp4j.election.SimLab.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.election.Action.StateChange;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The FreeBSD handbook's CARP examples and the primary-selection rules, played on a simulated
 * segment with a virtual clock. Times are exact: the wire delay is 1 ms unless a test says otherwise.
 */
class ElectionScenariosTest {

    private static StateChange change(SimLab.Entry e) {
        return (StateChange) e.action();
    }

    private static void assertTransition(SimLab.Entry e, long at, CarpState from, CarpState to, String why) {
        StateChange sc = change(e);
        assertEquals(from + " -> " + to + " (" + why + ")", sc.from() + " -> " + sc.to() + " (" + sc.why() + ")");
        assertEquals(at, e.at(), "time of " + sc);
    }

    @Nested
    class Handbook284SingleGroup {
        /** 28.4: this host is configured as the backup with advskew 100; its peer has 0. */
        @Test
        void theHostWithAdvskew100StaysBackup() {
            SimLab lab = new SimLab(1);
            var master = lab.host("master").nic("em0", "lan", "10.0.0.2/24")
                    .carp("carp0", 1, "lanpasswd", "em0", 0, "10.0.0.1/24");
            var backup = lab.host("backup").nic("em0", "lan", "10.0.0.3/24")
                    .carp("carp0", 1, "lanpasswd", "em0", 100, "10.0.0.1/24");
            lab.runUntil(60 * S);

            assertEquals(MASTER, master.state("carp0"));
            assertEquals(BACKUP, backup.state("carp0"));
            assertEquals(List.of("master"), lab.holders("10.0.0.1/24"));
            var t = lab.transitions("master", "carp0");
            assertTransition(t.get(0), 0, INIT, BACKUP, "interface up");
            assertTransition(t.get(1), 3 * S, BACKUP, MASTER, "master timed out");
            assertEquals(1, lab.transitions("backup", "carp0").size(), "backup never moved: INIT -> BACKUP only");
            AdvertFrame a = lab.adverts("master", "carp0").get(0);
            assertEquals(1, a.carp().vhid());
            assertEquals(1, a.carp().advbase());
            assertEquals(0, a.carp().advskew());
        }

        @Test
        void backupTakesOverExactlyOneMasterDownIntervalAfterTheLastAdvert() {
            SimLab lab = new SimLab(2);
            lab.host("master").nic("em0", "lan", "10.0.0.2/24").carp("carp0", 1, "lanpasswd", "em0", 0, "10.0.0.1/24");
            var backup = lab.host("backup").nic("em0", "lan", "10.0.0.3/24")
                    .carp("carp0", 1, "lanpasswd", "em0", 100, "10.0.0.1/24");
            lab.runUntil(10 * S + 500 * MS);
            lab.host("master").cut("em0");
            long last = lab.lastAdvert("master", "carp0");
            assertEquals(10 * S, last);
            lab.runUntil(30 * S);

            var t = lab.transitions("backup", "carp0");
            // PROTOCOL.md §0/§3.1: master-down = 3 x (advbase + advskew/256) = 3 x (1 + 100/256) s = 4.171875 s,
            // counted from the last advert's arrival at 10.001 s: 14.172875 s
            assertTransition(t.get(1), 14_172_875_000L, BACKUP, MASTER, "master timed out");
            assertEquals(MASTER, backup.state("carp0"));
            assertEquals(List.of("backup"), lab.holders("10.0.0.1/24"));
            assertEquals(INIT, lab.host("master").state("carp0"), "carpdev without carrier puts the group in INIT");
        }
    }

    @Nested
    class SeedRules {
        @Test
        void aNewNodeStartsAsBackupAndBecomesMasterAfterThreeSilentIntervals() {
            SimLab lab = new SimLab(3);
            lab.host("h1").nic("em0", "lan", "172.16.0.1/24");
            lab.runUntil(2 * S);
            lab.host("h1").set(new org.carp4j.config.VhostConfig("carp0", 7, "pw", "em0", 2, 128,
                    List.of(org.carp4j.config.VipAddress.parse("172.16.0.100/24")), true));
            lab.runUntil(20 * S);
            var t = lab.transitions("h1", "carp0");
            assertTransition(t.get(0), 2 * S, INIT, BACKUP, "interface up");
            assertTransition(t.get(1), 2 * S + 3 * (2 * S + 500 * MS), BACKUP, MASTER, "master timed out");
            // adverts every advbase + advskew/256 = 2.5 s from the moment it became master
            var adverts = lab.trace().stream().filter(e -> e.action() instanceof Action.SendFrame f
                    && f.kind() == Action.FrameKind.ADVERT).map(SimLab.Entry::at).toList();
            assertEquals(List.of(9500 * MS, 12 * S, 14500 * MS, 17 * S, 19500 * MS), adverts);
        }

        @Test
        void withoutPreemptTheFirstMasterStays() {
            SimLab lab = new SimLab(4);
            lab.host("h2").nic("em0", "lan", "172.16.0.2/24").carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
            lab.runUntil(10 * S);
            lab.host("h1").nic("em0", "lan", "172.16.0.1/24").carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
            lab.runUntil(120 * S);
            assertEquals(List.of("h2"), lab.masters("carp0"));
            assertEquals(BACKUP, lab.host("h1").state("carp0"));
        }

        @Test
        void withPreemptTheFasterNodeTakesOverAndTheOldMasterStepsDownAtOnce() {
            SimLab lab = new SimLab(5);
            lab.host("h2").nic("em0", "lan", "172.16.0.2/24").carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
            lab.runUntil(10 * S);
            long joined = lab.now();
            lab.host("h1").nic("em0", "lan", "172.16.0.1/24").sysctl("preempt", 1)
                    .carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
            lab.runUntil(20 * S);

            // PROTOCOL.md §3.1: h2 (advskew 100) is master after 3 x (1 + 100/256) s = 4.171875 s and advertises
            // then and every 1 + 100/256 = 1.390625 s: 4.171875, ..., 9.734375, 11.125 s. The first advert after
            // h1 joined at 10 s leaves at 11.125 s and reaches h1 one wire delay (1 ms) later.
            assertEquals(10 * S, joined);
            long h2Advert = 11_125 * MS;
            long takeover = 11_126 * MS;
            var h1 = lab.transitions("h1", "carp0");
            assertTransition(h1.get(1), takeover, BACKUP, MASTER, "preempting a slower master");
            assertTrue(lab.trace().stream().anyMatch(e -> e.host().equals("h2") && e.at() == h2Advert
                    && e.action() instanceof Action.SendFrame f && f.kind() == Action.FrameKind.ADVERT),
                    "h1 took over on receipt of the advert h2 sent at 11.125 s");
            var h2 = lab.transitions("h2", "carp0");
            assertTransition(h2.get(1), 4_171_875_000L, BACKUP, MASTER, "master timed out");
            assertTransition(h2.get(2), takeover + lab.delay, MASTER, BACKUP, "more frequent advertisement received");
            assertEquals(List.of("h1"), lab.holders("172.16.0.100/24"));
        }

        @Test
        void twoEqualMastersResolveToTheLowerAddressWithinOneInterval() {
            SimLab lab = new SimLab(6);
            var h1 = lab.host("h1").nic("em0", "lan", "172.16.0.1/24").carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
            var h2 = lab.host("h2").nic("em0", "lan", "172.16.0.2/24").carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
            h1.detach("em0");
            lab.runUntil(10 * S);
            assertEquals(List.of("h1", "h2"), lab.masters("carp0"), "partitioned: both MASTER (split brain)");
            h1.heal("em0");
            long healed = lab.now();
            lab.runUntil(healed + S + lab.delay);
            assertEquals(List.of("h1"), lab.masters("carp0"));
            var stepDown = lab.transitions("h2", "carp0").get(2);
            assertEquals("equal master with lower address advertised", change(stepDown).why());
            assertTrue(stepDown.at() - healed <= S + lab.delay);
            // the winner re-announced the address when it heard the loser
            assertTrue(lab.trace().stream().anyMatch(e -> e.host().equals("h1") && e.at() > healed
                    && e.action() instanceof Action.SendFrame f && f.kind() == Action.FrameKind.GARP));
            lab.runFor(60 * S);
            assertEquals(List.of("h1"), lab.masters("carp0"));
        }

        @Test
        void tieBreakComparesLikeUcarpLastOctetMostSignificant() {
            // Numerically 10.0.0.2 < 10.0.1.1, but ucarp on x86 compares the byte-reversed s_addr:
            // 1.1.0.10 < 2.0.0.10, so 10.0.1.1 wins. We must pick the same winner.
            SimLab lab = new SimLab(7);
            var a = lab.host("a").nic("em0", "lan", "10.0.1.1/16").carp("carp0", 1, "pw", "em0", 0, "10.0.9.9/16");
            var b = lab.host("b").nic("em0", "lan", "10.0.0.2/16").carp("carp0", 1, "pw", "em0", 0, "10.0.9.9/16");
            a.detach("em0");
            lab.runUntil(5 * S);
            a.heal("em0");
            lab.runFor(3 * S);
            assertEquals(List.of("a"), lab.masters("carp0"));
            assertEquals(BACKUP, b.state("carp0"));
        }

        @Test
        void aHealedPartitionEndsWithExactlyOneMasterEvenUnderDelay() {
            for (long seed = 10; seed < 30; seed++) {
                SimLab lab = new SimLab(seed);
                lab.delay = 40 * MS;
                for (int i = 1; i <= 3; i++) {
                    lab.host("h" + i).nic("em0", "lan", "172.16.0." + i + "/24")
                            .carp("carp0", 1, "pw", "em0", 10 * (i % 2), "172.16.0.100/24");
                }
                lab.runUntil(5 * S + seed * 97 * MS);
                lab.host("h1").detach("em0");
                lab.host("h3").detach("em0");
                lab.runFor(10 * S);
                lab.host("h1").heal("em0");
                lab.host("h3").heal("em0");
                lab.runFor(5 * S);
                assertEquals(1, lab.masters("carp0").size(), "seed " + seed + ": " + lab.masters("carp0"));
                assertEquals(lab.masters("carp0"), lab.holders("172.16.0.100/24"));
            }
        }
    }

    @Nested
    class Handbook285TwoFirewalls {
        SimLab lab = new SimLab(8);
        SimLab.Host fw1;
        SimLab.Host fw2;

        void configure() {
            fw1 = lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").nic("em1", "wan", "192.0.2.1/24")
                    .sysctl("preempt", 1)
                    .carp("carp0", 1, "lanpasswd", "em0", 0, "172.16.0.100/24")
                    .carp("carp1", 2, "wanpasswd", "em1", 0, "192.0.2.100/24");
            lab.runUntil(S);
            fw2 = lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").nic("em1", "wan", "192.0.2.2/24")
                    .sysctl("preempt", 1)
                    .carp("carp0", 1, "lanpasswd", "em0", 128, "172.16.0.100/24")
                    .carp("carp1", 2, "wanpasswd", "em1", 128, "192.0.2.100/24");
            lab.runUntil(30 * S);
        }

        @Test
        void fw1IsThePreferredMasterOfBothGroups() {
            configure();
            assertEquals(List.of("fw1"), lab.holders("172.16.0.100/24"));
            assertEquals(List.of("fw1"), lab.holders("192.0.2.100/24"));
        }

        @Test
        void fw1WanLinkDiesBothGroupsMoveToFw2AndComeBackWhenItReturns() {
            configure();
            long cut = 30 * S + 300 * MS;
            lab.runUntil(cut);
            fw1.cut("em1");
            // fw1's LAN master now advertises advskew 240 at once; fw2 (128, preempt) takes it on receipt
            AdvertFrame suppressed = lab.adverts("fw1", "carp0").get(lab.adverts("fw1", "carp0").size() - 1);
            assertEquals(240, suppressed.carp().advskew());
            lab.runFor(10 * S);

            assertEquals(List.of("fw2"), lab.holders("172.16.0.100/24"));
            assertEquals(List.of("fw2"), lab.holders("192.0.2.100/24"));
            assertEquals(INIT, fw1.state("carp1"));
            assertEquals(BACKUP, fw1.state("carp0"));
            var lan = lab.transitions("fw2", "carp0");
            assertTransition(lan.get(lan.size() - 1), cut + lab.delay, BACKUP, MASTER, "preempting a slower master");
            var wan = lab.transitions("fw2", "carp1");
            long lastWan = 30 * S; // fw1 advertised on the WAN every second from t=3 s; last one at 30 s
            // PROTOCOL.md §0/§3.1: fw2's master-down = 3 x (1 + 128/256) s = 4.5 s after the last advert
            // arrived (30.001 s): 34.501 s
            assertTransition(wan.get(wan.size() - 1), lastWan + 4_501 * MS, BACKUP, MASTER, "master timed out");

            long healed = lab.now();
            fw1.heal("em1");
            lab.runFor(2 * S);
            assertEquals(List.of("fw1"), lab.holders("172.16.0.100/24"));
            assertEquals(List.of("fw1"), lab.holders("192.0.2.100/24"));
            // one of fw2's intervals (1 + 128/256 = 1.5 s, §3.1) for its next advert, plus two wire delays
            lab.transitionsSince(healed).forEach(e -> assertTrue(e.at() - healed <= 1_500 * MS + 2 * lab.delay,
                    "both groups back within one of fw2's intervals: " + e));
            lab.runFor(60 * S);
            assertEquals(List.of("fw1"), lab.masters("carp0"));
            assertEquals(List.of("fw1"), lab.masters("carp1"));
        }
    }

    @Nested
    class Handbook286ForcedFailover {
        @Test
        void downOnTheMasterMovesTheAddressAtOnceAndUpBringsItBackAsBackup() {
            SimLab lab = new SimLab(9);
            var fw1 = lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
            var fw2 = lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
            lab.runUntil(10 * S + 250 * MS);
            long down = lab.now();
            fw1.down("carp0");
            AdvertFrame bye = lab.adverts("fw1", "carp0").get(lab.adverts("fw1", "carp0").size() - 1);
            assertEquals(255, bye.carp().advbase());
            assertEquals(255, bye.carp().advskew());
            lab.runFor(5 * S);
            var t = lab.transitions("fw2", "carp0");
            assertTransition(t.get(1), down + lab.delay, BACKUP, MASTER, "master bowed out");
            assertEquals(INIT, fw1.state("carp0"));
            assertEquals(List.of("fw2"), lab.holders("172.16.0.100/24"));

            fw1.up("carp0");
            lab.runFor(30 * S);
            assertEquals(BACKUP, fw1.state("carp0"), "without preempt fw1 comes back as BACKUP");
            assertEquals(List.of("fw2"), lab.holders("172.16.0.100/24"));

            fw1.sysctl("preempt", 1);
            lab.runFor(2 * S);
            assertEquals(List.of("fw1"), lab.holders("172.16.0.100/24"), "with preempt it takes the address back");
        }

        @Test
        void forcedStateBackupBowsOutAndStateMasterTakesOver() {
            SimLab lab = new SimLab(10);
            var fw1 = lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
            var fw2 = lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
            lab.runUntil(10 * S);
            fw1.force("carp0", BACKUP);
            lab.runFor(100 * MS);
            assertEquals(List.of("fw2"), lab.masters("carp0"));
            fw1.force("carp0", MASTER);
            lab.runFor(100 * MS);
            assertEquals(List.of("fw1"), lab.masters("carp0"), "fw2 hears the faster master and steps down");
            assertEquals(List.of("fw1"), lab.holders("172.16.0.100/24"));
        }
    }

    @Nested
    class DemotionAndAllow {
        @Test
        void demotingTheMasterMakesTheBackupTakeOverWithoutPreempt() {
            SimLab lab = new SimLab(11);
            var fw1 = lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
            lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
            lab.runUntil(10 * S + 500 * MS);
            long demoted = lab.now();
            fw1.demote(1);
            assertEquals(1, lab.adverts("fw1", "carp0").get(lab.adverts("fw1", "carp0").size() - 1).carp().demote(),
                    "the demoted master re-advertises at once");
            lab.runFor(S);
            assertEquals(List.of("fw2"), lab.masters("carp0"));
            assertEquals("master is demoted", change(lab.transitions("fw2", "carp0").get(1)).why());
            assertEquals(demoted + lab.delay, lab.transitions("fw2", "carp0").get(1).at());
            fw1.demote(0);
            lab.runFor(10 * S);
            assertEquals(List.of("fw2"), lab.masters("carp0"), "undemoted, fw1 waits as BACKUP (no preempt)");
        }

        @Test
        void allowZeroIgnoresAdvertsSoTheHostBecomesMaster() {
            SimLab lab = new SimLab(12);
            lab.host("fw1").nic("em0", "lan", "172.16.0.1/24").carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
            var fw2 = lab.host("fw2").nic("em0", "lan", "172.16.0.2/24").sysctl("allow", 0)
                    .carp("carp0", 1, "pw", "em0", 100, "172.16.0.100/24");
            lab.runUntil(10 * S);
            assertEquals(MASTER, fw2.state("carp0"));
            assertTrue(fw2.engine.stats().drops(org.carp4j.codec.DropReason.NOT_ALLOWED) > 0);
        }
    }

    @Nested
    class Counters {
        @Test
        void aLoneMasterSendsRandomCountersThenContinuesThePeersCounter() {
            SimLab lab = new SimLab(13);
            lab.host("h1").nic("em0", "lan", "172.16.0.1/24").carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
            lab.runUntil(8 * S);
            var lone = lab.adverts("h1", "carp0");
            assertTrue(lone.size() >= 5);
            for (int i = 1; i < lone.size(); i++) {
                assertTrue(lone.get(i).carp().counter() != lone.get(i - 1).carp().counter() + 1, "random, not counting");
            }
            var h2 = lab.host("h2").nic("em0", "lan", "172.16.0.2/24").carp("carp0", 1, "pw", "em0", 0, "172.16.0.100/24");
            h2.detach("em0");
            lab.runFor(5 * S); // h2 becomes master alone; its adverts reach nobody
            h2.heal("em0");
            lab.runFor(3 * S);
            long last = lab.adverts("h2", "carp0").get(lab.adverts("h2", "carp0").size() - 1).carp().counter();
            var h1After = lab.adverts("h1", "carp0");
            long next = h1After.get(h1After.size() - 1).carp().counter();
            assertTrue(next - last >= 1 && next - last <= 3, "h1 continues from the peer's counter: " + last + " -> " + next);
        }
    }
}
