package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The FreeBSD handbook's CARP chapter on a real segment: fw1 = h1, fw2 = h2, a client h3, LAN on
 * em0 and WAN on em1. The configuration is pasted into carpsh exactly as the handbook prints it.
 */
class HandbookIT extends LabTest {
    static final String LAN_VIP = "172.16.0.100";
    static final String WAN_VIP = "192.0.2.100";

    static String page(String advskew) {
        String skew = advskew.isEmpty() ? "" : "advskew " + advskew + " ";
        return "#Enable preemption and group interface failover\n"
                + "# sysctl -w net.inet.carp.preempt=1\n\n"
                + "#Configure CARP on the LAN side\n"
                + "# ifconfig carp0 create\n"
                + "# ifconfig carp0 vhid 1 pass lanpasswd carpdev em0 \\\n"
                + "     " + skew + "172.16.0.100 255.255.255.0\n\n"
                + "#Configure CARP on the WAN side\n"
                + "# ifconfig carp1 create\n"
                + "# ifconfig carp1 vhid 2 pass wanpasswd carpdev em1 \\\n"
                + "     " + skew + "192.0.2.100 255.255.255.0\n";
    }

    static void paste(Lab.Host h, String text) throws Exception {
        Lab.Result r = Lab.Result.of(List.of("bash", "-c", "printf '%s' \"$1\" | ip netns exec " + h.ns
                + " env CARPD_STATE_DIR=" + h.stateDir + " " + Lab.ROOT.resolve("bin/carpsh"), "paste", text));
        assertEquals(0, r.exit(), r.err());
    }

    private void firewalls() throws Exception {
        lab = Lab.create(3, true);
        lab.h(1).startCarpd();
        lab.h(2).startCarpd();
        paste(lab.h(1), page(""));
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(LAN_VIP) && lab.h(1).holds(WAN_VIP)));
        paste(lab.h(2), page("128"));
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(2).carpconfig("carp0").out().contains("carp: BACKUP")
                && lab.h(2).carpconfig("carp1").out().contains("carp: BACKUP")), lab.h(2).log());
    }

    @Test
    void section285_aDeadWanLinkMovesBothGroupsAndTheyComeBack() throws Exception {
        firewalls();
        Path lan = lab.dir().resolve("lan.pcap");
        Path wan = lab.dir().resolve("wan.pcap");
        lab.capture(lan, "br0");
        lab.capture(wan, "br1");
        Thread.sleep(6000);
        assertFalse(lab.h(2).holds(LAN_VIP) || lab.h(2).holds(WAN_VIP), "fw2 is the backup of both");
        try (Pinger toLan = new Pinger(lab.h(3), LAN_VIP); Pinger toWan = new Pinger(lab.h(3), WAN_VIP)) {
            Thread.sleep(1000);
            long cut = System.nanoTime();
            lab.h(1).cut("em1");
            assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(2).holds(LAN_VIP) && lab.h(2).holds(WAN_VIP)),
                    lab.h(2).log());
            long moved = (System.nanoTime() - cut) / 1_000_000;
            assertTrue(Lab.eventually(Duration.ofSeconds(2), () -> !lab.h(1).holds(LAN_VIP) && !lab.h(1).holds(WAN_VIP)));
            assertTrue(lab.h(2).logged("carp0: BACKUP -> MASTER (preempting a slower master)"),
                    "the healthy LAN group moved because fw1 advertised advskew 240:\n" + lab.h(2).log());
            Thread.sleep(1500);
            long lanGap = toLan.longestGapMs();
            long wanGap = toWan.longestGapMs();
            toLan.reset();
            toWan.reset();

            long heal = System.nanoTime();
            lab.h(1).heal("em1");
            assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(LAN_VIP) && lab.h(1).holds(WAN_VIP)
                    && !lab.h(2).holds(LAN_VIP) && !lab.h(2).holds(WAN_VIP)), lab.h(1).log());
            long back = (System.nanoTime() - heal) / 1_000_000;
            Thread.sleep(1500);
            System.out.printf("handbook 28.5: both groups on fw2 %d ms after fw1's WAN cut (client gaps: LAN %d ms,"
                    + " WAN %d ms); back on fw1 %d ms after the heal (gaps: LAN %d ms, WAN %d ms)%n",
                    moved, lanGap, wanGap, back, toLan.longestGapMs(), toWan.longestGapMs());
            assertTrue(toLan.lastAnswered() && toWan.lastAnswered(), "the client reaches both VIPs after the heal");
            assertTrue(lanGap < 2000, "LAN moved by preemption, not by timeout: " + lanGap + " ms");
            assertTrue(wanGap < 7000, "WAN gap " + wanGap + " ms");
        }
        for (Path p : List.of(lan, wan)) {
            List<String> adverts = Captures.adverts(p);
            assertTrue(adverts.size() > 10, p + ": " + adverts.size());
            assertEquals(List.of(), Captures.bad(adverts), "tshark decodes every advert as CARP with a good checksum");
        }
        assertTrue(Captures.adverts(lan).stream().anyMatch(l -> l.startsWith("00:00:5e:00:01:01,172.16.0.1,1,240,")),
                "fw1 advertised advskew 240 on the LAN while its WAN link was dead");
    }

    @Test
    void section286_downOnTheMasterMovesTheVipAtOnceAndUpBringsItBack() throws Exception {
        firewalls();
        try (Pinger client = new Pinger(lab.h(3), LAN_VIP)) {
            assertTrue(Lab.await(Duration.ofSeconds(5), () -> client.answered() >= 5), "the client reaches fw1");
            long t = System.nanoTime();
            assertEquals(0, lab.h(1).carpconfig("carp0", "down").exit());
            assertTrue(Lab.eventually(Duration.ofSeconds(2), () -> lab.h(2).holds(LAN_VIP)),
                    "at once (the 255/255 advert), not after three intervals");
            long ms = (System.nanoTime() - t) / 1_000_000;
            assertFalse(lab.h(1).holds(LAN_VIP));
            assertTrue(lab.h(1).carpconfig("carp0").out().contains("carp: INIT"));
            assertTrue(lab.h(1).holds(WAN_VIP), "only carp0 was taken down");
            int before = client.answered();
            assertTrue(Lab.await(Duration.ofSeconds(10), () -> client.answered() >= before + 5),
                    "the client reaches the VIP on fw2");
            long gap = client.longestGapMs();
            System.out.printf("handbook 28.6: VIP on fw2 %d ms after `carpconfig carp0 down` was typed on fw1; "
                    + "client gap %d ms%n", ms, gap);
            // three advert intervals (a timeout) would be ~3 s; a forced handover costs a few pings
            assertTrue(gap < 1000, "the client lost less than a second of pings: " + gap + " ms");
            assertEquals(0, lab.h(1).carpconfig("carp0", "up").exit());
            assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> lab.h(1).holds(LAN_VIP) && !lab.h(2).holds(LAN_VIP)),
                    "up: BACKUP, then MASTER again by preemption");
            int back = client.answered();
            assertTrue(Lab.await(Duration.ofSeconds(10), () -> client.answered() >= back + 5 && client.lastAnswered()),
                    "the client reaches the VIP on fw1 again");
        }
    }

    /** The MAC the client h3 has for the VIP in its neighbour table ("" if none). */
    private String clientsMacForVip() throws Exception {
        String entry = lab.h(3).exec("ip", "neigh", "show", LAN_VIP, "dev", "em0");
        var m = java.util.regex.Pattern.compile("lladdr (\\S+)").matcher(entry);
        return m.find() ? m.group(1) : "";
    }

    @Test
    void splitBrainHealsToExactlyOneMasterThatReannounces() throws Exception {
        lab = Lab.create(3, false);
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            assertEquals(0, lab.h(i).carpconfig("carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0",
                    LAN_VIP + "/24").exit());
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(LAN_VIP) ^ lab.h(2).holds(LAN_VIP)));
        Lab.Host master = lab.h(1).holds(LAN_VIP) ? lab.h(1) : lab.h(2);
        Lab.Host other = master == lab.h(1) ? lab.h(2) : lab.h(1);
        master.detach("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(6), () -> other.holds(LAN_VIP)));
        assertTrue(master.holds(LAN_VIP), "split brain: both hold the VIP");

        // The client is told a wrong MAC for the VIP; only a gratuitous ARP for the VIP can change it
        // (the client sends nothing to the VIP, and adverts come from the hosts' own addresses). It
        // must stay wrong for a while first: other's takeover announcements are over.
        String bogus = "02:00:00:00:00:99";
        assertTrue(Lab.eventually(Duration.ofSeconds(15), () -> {
            lab.h(3).exec("ip", "neigh", "replace", LAN_VIP, "lladdr", bogus, "dev", "em0", "nud", "stale");
            return !Lab.eventually(Duration.ofMillis(2500), () -> !clientsMacForVip().equals(bogus));
        }), "nothing corrects the client's entry during the split: " + clientsMacForVip());
        Path sent = lab.dir().resolve("winner.pcap");
        Process tcpdump = lab.capture(sent, "h1-em0", "arp");

        // The port comes back, but for a moment fw1's adverts do not cross (the switch drops CARP
        // from h1's port): fw1, the winner by address, hears the other master first, as it would
        // whenever that one advertises first, and must answer with an advert and a gratuitous ARP.
        String sw = lab.switchName();
        Lab.sh("ip", "netns", "exec", sw, "nft", "add", "table", "bridge", "oneway");
        Lab.sh("ip", "netns", "exec", sw, "nft", "add", "chain", "bridge", "oneway", "forward",
                "{ type filter hook forward priority 0; }");
        Lab.sh("ip", "netns", "exec", sw, "nft", "add", "rule", "bridge", "oneway", "forward",
                "iifname", "h1-em0", "ip", "protocol", "112", "drop");
        long t = System.nanoTime();
        master.heal("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> clientsMacForVip().equals("00:00:5e:00:01:01")),
                "fw1 re-announced the VIP on hearing the other master: the client's entry names the virtual MAC, not "
                        + clientsMacForVip() + "\n" + lab.h(1).log());
        long announced = (System.nanoTime() - t) / 1_000_000;
        Lab.sh("ip", "netns", "exec", sw, "nft", "delete", "table", "bridge", "oneway");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(LAN_VIP) && !lab.h(2).holds(LAN_VIP)),
                "equal intervals: the lower address (172.16.0.1) stays MASTER, the other steps down\n"
                        + lab.h(1).log() + lab.h(2).log());
        long ms = (System.nanoTime() - t) / 1_000_000;
        System.out.println("split brain: fw1 re-announced " + announced + " ms after the port was reattached;"
                + " one master " + ms + " ms after it");
        tcpdump.destroy();
        tcpdump.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        List<String> garps = Captures.fields(sent, "arp.src.proto_ipv4 == " + LAN_VIP + " && arp.dst.proto_ipv4 == "
                + LAN_VIP, "eth.src", "eth.dst", "arp.src.hw_mac");
        assertTrue(garps.contains("00:00:5e:00:01:01,ff:ff:ff:ff:ff:ff,00:00:5e:00:01:01"),
                "fw1 sent a gratuitous ARP for the VIP from the virtual MAC, broadcast: " + garps);
        assertTrue(lab.h(2).logged("equal master with lower address"), lab.h(2).log());
        assertFalse(lab.h(2).holds(LAN_VIP), "and stays BACKUP");
    }
}
