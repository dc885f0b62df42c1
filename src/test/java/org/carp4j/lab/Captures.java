package org.carp4j.lab;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What tshark says about the CARP adverts in a capture of the lab. */
final class Captures {
    private Captures() {
    }

    /** One line per advert: source MAC, source IP, vhid, advskew, checksum status (1 = good). */
    static List<String> adverts(Path pcap) throws IOException, InterruptedException {
        Lab.Result r = Lab.Result.of(List.of("tshark", "-n", "-r", pcap.toString(), "-d", "ip.proto==112,carp",
                "-Y", "carp", "-T", "fields", "-E", "separator=,", "-e", "eth.src", "-e", "ip.src", "-e", "carp.vhid",
                "-e", "carp.advskew", "-e", "carp.checksum.status"));
        if (r.exit() != 0) {
            throw new IOException("tshark: " + r.err());
        }
        return r.out().lines().toList();
    }

    /** Adverts tshark did not decode as CARP with a correct checksum. */
    static List<String> bad(List<String> adverts) {
        return adverts.stream().filter(l -> !l.endsWith(",1")).toList();
    }
}
