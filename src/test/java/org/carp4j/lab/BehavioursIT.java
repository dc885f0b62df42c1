package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How a group behaves on a real segment beyond the handbook's one address per vhid: several VIPs
 * and alias changes on a running master, active/active vhids, IPv6-only groups, mixed advbase.
 * h1 and h2 run carpd, h3 is the client.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BehavioursIT extends LabTest {
    static final String VIP = "172.16.0.100";
    static final String ALIAS1 = "172.16.0.101";
    static final String ALIAS2 = "172.16.0.102";
    static final String VMAC1 = "00:00:5e:00:01:01";

    static void ok(Lab.Host h, String tool, String... args) throws Exception {
        Lab.Result r = h.tool(tool, args);
        assertEquals(0, r.exit(), tool + " " + String.join(" ", args) + ": " + r.err());
    }

    static long stat(Lab.Host h, String name) throws Exception {
        Lab.Result r = h.carpsysctl("-n", "net.inet.carp.stats." + name);
        assertEquals(0, r.exit(), r.err());
        return Long.parseLong(r.out().trim());
    }

    /** h1 (advskew 0) is MASTER of vhid 1 with VIP, h2 (advskew 100) its BACKUP. */
    private void pair(boolean ipv6) throws Exception {
        lab = Lab.create(3, false, ipv6);
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            ok(lab.h(i), "carpconfig", "carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100", VIP + "/24");
            if (i == 1) {
                assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP)), lab.h(1).log());
            }
        }
    }

    @Test
    void aliasesAddedAndRemovedOnARunningMasterMoveWithTheGroup() throws Exception {
        pair(false);
        Path pcap = lab.dir().resolve("lan.pcap");
        Process tcpdump = lab.capture(pcap, "br0");

        long t = System.nanoTime();
        ok(lab.h(1), "carpconfig", "carp0", ALIAS1 + "/24", "alias");
        assertTrue(Lab.eventually(Duration.ofMillis(1500), () -> lab.h(1).holds(ALIAS1)),
                "the running master takes the new address at once: " + lab.h(1).addresses());
        System.out.printf("alias on a running master: on carp0 %d ms after carpconfig was started%n",
                (System.nanoTime() - t) / 1_000_000);
        assertTrue(lab.h(1).exec("ip", "-o", "addr", "show", "dev", "carp0").contains(" " + ALIAS1 + "/24 "));
        // the same change on the backup: the adverts' HMAC covers every address of the vhid
        ok(lab.h(2), "carpconfig", "carp0", ALIAS1 + "/24", "alias");
        ok(lab.h(1), "carpconfig", "carp0", ALIAS2 + "/24", "alias");
        ok(lab.h(2), "carpconfig", "carp0", ALIAS2 + "/24", "alias");
        assertTrue(Lab.eventually(Duration.ofSeconds(2), () -> lab.h(1).holds(ALIAS2)));

        long badAuth = stat(lab.h(2), "badauth");
        long accepted = stat(lab.h(2), "accepted");
        Thread.sleep(4000); // longer than the backup's master-down (3.4 s): it must keep hearing the master
        assertEquals(badAuth, stat(lab.h(2), "badauth"), "configured alike, the master's adverts authenticate");
        assertTrue(stat(lab.h(2), "accepted") >= accepted + 3);
        assertTrue(lab.h(2).carpconfig("carp0").out().contains("carp: BACKUP"), lab.h(2).log());
        for (String a : List.of(VIP, ALIAS1, ALIAS2)) {
            assertFalse(lab.h(2).holds(a), "the backup holds none of the group's addresses: " + a);
            assertTrue(lab.h(3).ping(a), a);
            assertTrue(lab.h(3).exec("ip", "neigh", "show", a).contains(VMAC1), lab.h(3).exec("ip", "neigh", "show", a));
        }

        ok(lab.h(1), "carpconfig", "carp0", ALIAS2, "-alias");
        ok(lab.h(2), "carpconfig", "carp0", ALIAS2, "-alias");
        assertTrue(Lab.eventually(Duration.ofMillis(1500), () -> !lab.h(1).holds(ALIAS2)),
                "a removed alias leaves the master at once");
        assertTrue(lab.h(1).holds(VIP) && lab.h(1).holds(ALIAS1));

        ok(lab.h(1), "carpconfig", "carp0", "down");
        assertTrue(Lab.eventually(Duration.ofSeconds(2), () -> lab.h(2).holds(VIP) && lab.h(2).holds(ALIAS1)),
                "a failover moves every address of the vhid: " + lab.h(2).addresses());
        assertFalse(lab.h(2).holds(ALIAS2), "not the one removed");
        assertFalse(lab.h(1).holds(VIP) || lab.h(1).holds(ALIAS1));
        ok(lab.h(1), "carpconfig", "carp0", "up"); // no preempt: the former master stays BACKUP
        long badAuth1 = stat(lab.h(1), "badauth");
        Thread.sleep(4000);
        assertEquals(badAuth1, stat(lab.h(1), "badauth"), "the new master's adverts authenticate too");
        assertTrue(lab.h(1).carpconfig("carp0").out().contains("carp: BACKUP"), lab.h(1).log());
        assertTrue(lab.h(2).holds(VIP) && lab.h(2).holds(ALIAS1));
        assertTrue(lab.h(3).ping(ALIAS1));
        tcpdump.destroy();
        tcpdump.waitFor();

        List<String> garps = Captures.fields(pcap, "arp && eth.src == " + VMAC1 + " && arp.src.proto_ipv4 == arp.dst.proto_ipv4",
                "arp.src.proto_ipv4", "eth.src");
        assertTrue(garps.contains(ALIAS1 + "," + VMAC1) && garps.contains(ALIAS2 + "," + VMAC1),
                "the added addresses were announced by gratuitous ARP from the virtual MAC: " + garps);
        assertEquals(List.of(), Captures.bad(Captures.adverts(pcap)));
    }

    @Test
    void activeActiveEachHostMastersOneVhidAndTakesBothWhenThePeerDies() throws Exception {
        lab = Lab.create(3, false);
        String vip2 = "172.16.0.200";
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            ok(lab.h(i), "carpsysctl", "-w", "net.inet.carp.preempt=1");
            // advskew swapped: h1 prefers vhid 1, h2 prefers vhid 2
            ok(lab.h(i), "carpconfig", "carp0", "create", "vhid", "1", "pass", "one", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100", VIP + "/24");
            ok(lab.h(i), "carpconfig", "carp1", "create", "vhid", "2", "pass", "two", "carpdev", "em0",
                    "advskew", i == 2 ? "0" : "100", vip2 + "/24");
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(VIP) && !lab.h(1).holds(vip2)
                && lab.h(2).holds(vip2) && !lab.h(2).holds(VIP)), lab.h(1).addresses() + lab.h(2).addresses());
        assertTrue(lab.h(3).ping(VIP) && lab.h(3).ping(vip2));
        assertTrue(lab.h(3).exec("ip", "neigh", "show", VIP).contains(VMAC1));
        assertTrue(lab.h(3).exec("ip", "neigh", "show", vip2).contains("00:00:5e:00:01:02"));

        lab.h(1).signal("KILL");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(2).holds(VIP) && lab.h(2).holds(vip2)),
                "the survivor holds both: " + lab.h(2).addresses());
        assertTrue(lab.h(3).ping(VIP) && lab.h(3).ping(vip2));

        lab.h(1).startCarpd();
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(1).holds(VIP) && !lab.h(2).holds(VIP)),
                "with preempt, vhid 1 goes back to its preferred master: " + lab.h(1).log());
        Thread.sleep(3000); // longer than a master-down: vhid 2 stays where it is preferred
        assertTrue(lab.h(2).holds(vip2) && !lab.h(1).holds(vip2), lab.h(1).addresses() + lab.h(2).addresses());
        assertTrue(lab.h(1).holds(VIP));
        assertTrue(lab.h(1).carpconfig("carp1").out().contains("carp: BACKUP"));
        assertTrue(lab.h(2).carpconfig("carp0").out().contains("carp: BACKUP"));
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(3).ping(VIP)));
        assertTrue(lab.h(3).ping(vip2));
    }

    @Test
    void anIpv6OnlyGroupElectsAdvertisesToFf02_12AndFailsOver() throws Exception {
        String vip6 = "2001:db8::100";
        lab = Lab.create(3, false, true);
        Path pcap = lab.dir().resolve("lan.pcap");
        Process tcpdump = lab.capture(pcap, "br0", "ip proto 112 or ip6 proto 112");
        for (int i = 1; i <= 2; i++) {
            lab.h(i).startCarpd();
            ok(lab.h(i), "carpconfig", "carp0", "create", "vhid", "1", "pass", "six", "carpdev", "em0",
                    "advskew", i == 1 ? "0" : "100");
            ok(lab.h(i), "carpconfig", "carp0", "inet6", vip6, "prefixlen", "64");
            if (i == 1) {
                assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> lab.h(1).holds(vip6)), lab.h(1).log());
            }
        }
        Thread.sleep(4000); // longer than h2's master-down: it hears the IPv6 adverts
        assertFalse(lab.h(2).holds(vip6), lab.h(2).log());
        assertTrue(lab.h(2).carpconfig("carp0").out().contains("carp: BACKUP"));
        assertFalse(lab.h(1).exec("ip", "-o", "-4", "addr", "show", "dev", "carp0").contains("inet "),
                "no IPv4 address on carp0");
        assertTrue(lab.h(3).ping(vip6));
        assertTrue(lab.h(3).exec("ip", "-6", "neigh", "show", vip6).contains(VMAC1));

        lab.h(1).cut("em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(8), () -> lab.h(2).holds(vip6)), lab.h(2).log());
        assertTrue(Lab.eventually(Duration.ofSeconds(3), () -> lab.h(3).ping(vip6)));
        Thread.sleep(1500); // an advert or two from the new master
        tcpdump.destroy();
        tcpdump.waitFor();

        List<String> adverts = Captures.fields(pcap, "carp", "eth.src", "ip.src", "ipv6.src", "ipv6.dst",
                "carp.vhid", "carp.checksum.status");
        assertTrue(adverts.size() > 5, "adverts: " + adverts);
        assertTrue(adverts.stream().allMatch(l -> l.matches(VMAC1 + ",,fe80::[0-9a-f:]+,ff02::12,1,1")),
                "every advert is CARP over IPv6 to ff02::12 from the virtual MAC, none over IPv4:\n"
                        + String.join("\n", adverts));
        assertTrue(adverts.stream().map(l -> l.split(",")[2]).distinct().count() == 2, "from both masters: " + adverts);
    }

    @Test
    void mixedAdvbaseTheMoreFrequentMasterWinsAndEachBackupWaitsItsOwnMasterDown() throws Exception {
        lab = Lab.create(2, false);
        Lab.Host fast = lab.h(1);
        Lab.Host slow = lab.h(2);
        Path pcap = lab.dir().resolve("lan.pcap");
        Process tcpdump = lab.capture(pcap, "br0", "ip proto 112");
        for (Lab.Host h : List.of(slow, fast)) {
            h.startCarpd();
            ok(h, "carpsysctl", "-w", "net.inet.carp.preempt=1");
            ok(h, "carpconfig", "carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0",
                    "advbase", h == fast ? "1" : "2", VIP + "/24");
            if (h == slow) {
                assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> slow.holds(VIP)), slow.log());
            }
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> fast.holds(VIP) && !slow.holds(VIP)),
                "advbase 1 preempts advbase 2: " + fast.log());
        assertTrue(fast.logged("BACKUP -> MASTER (preempting a slower master)"), fast.log());
        assertTrue(slow.carpconfig("carp0").out().contains("carp: BACKUP carpdev em0 vhid 1 advbase 2 advskew 0"));

        ok(fast, "carpsysctl", "-w", "net.inet.carp.preempt=0"); // saved: once restarted, it stays BACKUP
        fast.signal("KILL");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> slow.holds(VIP)), slow.log());

        fast.startCarpd();
        Thread.sleep(2500);
        assertTrue(slow.holds(VIP) && !fast.holds(VIP), "without preempt the faster host does not take over");
        int advertsBefore = Captures.fields(pcap, "carp", "ip.src").size();
        slow.signal("KILL");
        assertTrue(Lab.eventually(Duration.ofSeconds(10), () -> fast.holds(VIP)), fast.log());
        // the capture hands frames over in blocks: wait until the new master's first advert is written
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> Captures.fields(pcap, "carp", "ip.src")
                .subList(advertsBefore, Captures.fields(pcap, "carp", "ip.src").size()).contains(fast.address())));
        tcpdump.destroy();
        tcpdump.waitFor();
        List<String> adverts = Captures.fields(pcap, "carp", "frame.time_epoch", "ip.src");
        // each backup waits its own master-down (3 x its advbase), not three of the master's intervals
        double slowWaited = takeoverGap(adverts, 0, fast.address(), slow.address()); // the first: after fast's kill
        double fastWaited = takeoverGap(adverts, advertsBefore, slow.address(), fast.address());
        System.out.printf("mixed advbase: the advbase 2 backup took over %.3f s after the advbase 1 master's last"
                + " advert; the advbase 1 backup %.3f s after the advbase 2 master's%n", slowWaited, fastWaited);
        assertTrue(slowWaited >= 5.95 && slowWaited < 7.5, "advbase 2 backup: master-down 6 s, waited " + slowWaited);
        assertTrue(fastWaited >= 2.95 && fastWaited < 4.5, "advbase 1 backup: master-down 3 s, waited " + fastWaited);

        // sub-second against advbase 1: advbase 0 advskew 64 advertises every 250 ms and preempts
        slow.startCarpd();
        ok(slow, "carpconfig", "carp0", "advbase", "0", "advskew", "64");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> slow.holds(VIP) && !fast.holds(VIP)), slow.log());
        Thread.sleep(3500); // longer than the advbase 1 backup's master-down
        assertTrue(slow.holds(VIP) && !fast.holds(VIP), fast.log());
        assertTrue(fast.carpconfig("carp0").out().contains("carp: BACKUP"));
    }

    /**
     * The seconds from the last advert of one source to the first advert of another after it, the
     * first such advert at index start or later (adverts as "time,source"): how long the backup
     * waited, on the wire.
     */
    static double takeoverGap(List<String> adverts, int start, String from, String to) {
        double lastOld = 0;
        for (int i = 0; i < adverts.size(); i++) {
            String[] f = adverts.get(i).split(",");
            double t = Double.parseDouble(f[0]);
            if (f[1].equals(from)) {
                lastOld = t;
            } else if (f[1].equals(to) && lastOld > 0 && i >= start) {
                return t - lastOld;
            }
        }
        throw new AssertionError("no takeover from " + from + " to " + to + " after advert " + start + " in " + adverts);
    }
}
