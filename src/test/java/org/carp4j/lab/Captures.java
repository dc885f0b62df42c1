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
        return fields(pcap, "carp", "eth.src", "ip.src", "carp.vhid", "carp.advskew", "carp.checksum.status");
    }

    /** One line per frame tshark's display filter keeps, the fields comma-separated (protocol 112 read as CARP). */
    static List<String> fields(Path pcap, String filter, String... fields) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("tshark", "-n", "-r", pcap.toString(), "-d",
                "ip.proto==112,carp", "-Y", filter, "-T", "fields", "-E", "separator=,"));
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        Lab.Result r = Lab.Result.of(cmd);
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
