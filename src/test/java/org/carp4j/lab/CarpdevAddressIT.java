package org.carp4j.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A carpdev whose address comes after carpd (DHCP, a slow ifup): carpd hears of the change from the
 * kernel and sources its adverts from the carpdev's address from then on, not from the VIP for good.
 */
class CarpdevAddressIT extends LabTest {
    private static final String VIP = "172.16.0.100";

    /** The IP source of each advert h1 put on the wire so far, in order. */
    private List<String> sources(Path pcap) throws Exception {
        return Captures.fields(pcap, "carp", "ip.src");
    }

    private static long tail(List<String> sources, String address) {
        int i = sources.size();
        while (i > 0 && sources.get(i - 1).equals(address)) {
            i--;
        }
        return sources.size() - i;
    }

    @Test
    void advertsFollowTheCarpdevAddressAddedAndChangedAfterStart() throws Exception {
        lab = Lab.create(1, false);
        var h1 = lab.h(1);
        h1.exec("ip", "addr", "flush", "dev", "em0");
        Path pcap = lab.dir().resolve("h1.pcap");
        lab.capture(pcap, "h1-em0", "ip proto 112");
        h1.startCarpd();
        for (String[] words : new String[][] {
            {"carp0", "create", "vhid", "1", "pass", "pw", "carpdev", "em0"},
            {"carp0", VIP + "/24"},
        }) {
            Lab.Result r = h1.carpconfig(words);
            assertEquals(0, r.exit(), r.err());
        }
        assertTrue(Lab.eventually(Duration.ofSeconds(15), () -> tail(sources(pcap), VIP) >= 2),
                "without an address of its own em0's adverts come from the VIP: " + sources(pcap));

        double added = System.currentTimeMillis() / 1000.0;
        h1.exec("ip", "addr", "add", "172.16.0.1/24", "dev", "em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> tail(sources(pcap), "172.16.0.1") >= 2),
                "from the address em0 got: " + sources(pcap) + "\n" + h1.log());
        double firstNew = Double.parseDouble(Captures.fields(pcap, "carp && ip.src == 172.16.0.1", "frame.time_epoch").get(0));
        System.out.printf("first advert from em0's new address %.0f ms after `ip addr add` (advert interval 1 s)%n",
                (firstNew - added) * 1000);
        assertTrue(firstNew - added < 1.5, "by the next advert after the change");

        h1.exec("ip", "addr", "del", "172.16.0.1/24", "dev", "em0");
        h1.exec("ip", "addr", "add", "172.16.0.7/24", "dev", "em0");
        assertTrue(Lab.eventually(Duration.ofSeconds(5), () -> tail(sources(pcap), "172.16.0.7") >= 2),
                "from em0's new address: " + sources(pcap) + "\n" + h1.log());
        List<String> all = sources(pcap);
        int first = all.indexOf("172.16.0.7");
        assertTrue(all.subList(first, all.size()).stream().allMatch("172.16.0.7"::equals),
                "never the old address again: " + all);
    }
}
