package org.carp4j.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.carp4j.config.VipAddress;
import org.carp4j.testing.Pcap;
import org.carp4j.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real tshark reads the frames we build as valid CARP, with a correct checksum. */
class TsharkDecodeTest {

    @Test
    void tsharkDecodesOurAdvertsAsCarpWithAGoodChecksum(@TempDir Path dir) throws Exception {
        Tools.require("tshark");
        List<byte[]> frames = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        int[][] params = {{1, 1, 0, 0}, {2, 2, 100, 0}, {42, 1, 128, 3}, {255, 255, 255, 0}, {7, 10, 254, 255}};
        for (int[] p : params) {
            int vhid = p[0];
            long counter = 0x0102030405060708L * vhid;
            byte[] counterBytes = java.nio.ByteBuffer.allocate(8).putLong(counter).array();
            byte[] hmac = CarpHmac.compute("lanpasswd".getBytes(StandardCharsets.US_ASCII), vhid,
                    List.of(VipAddress.Inet.parseLiteral("172.16.0.100")), counterBytes);
            CarpHeader h = CarpHeader.advertisement(vhid, p[1], p[2], p[3], counter, hmac);
            boolean v6 = vhid == 42;
            AdvertFrame f = v6
                    ? new AdvertFrame(MacAddress.CARP_GROUP_V6, MacAddress.virtual(vhid),
                        VipAddress.Inet.parseLiteral("fe80::1"), VipAddress.Inet.parseLiteral("ff02::12"), 255, 0, 0, h)
                    : new AdvertFrame(MacAddress.CARP_GROUP_V4, MacAddress.virtual(vhid),
                        VipAddress.Inet.parseLiteral("172.16.0.1"), VipAddress.Inet.parseLiteral("224.0.0.18"),
                        255, 0x10, 0x1000 + vhid, h);
            frames.add(FrameCodec.encode(f));
            expected.add(String.join("\t", "2", "1", Integer.toString(vhid), Integer.toString(p[2]), "7",
                    Integer.toString(p[3]), Integer.toString(p[1]), "1", Long.toUnsignedString(counter),
                    java.util.HexFormat.of().formatHex(hmac)));
        }
        Path file = dir.resolve("ours.pcap");
        Pcap.write(file, frames);
        String out = Tools.run("tshark", "-n", "-r", file.toString(), "-d", "ip.proto==112,carp",
                "-T", "fields",
                "-e", "carp.version", "-e", "carp.type", "-e", "carp.vhid", "-e", "carp.advskew",
                "-e", "carp.authlen", "-e", "carp.demotion", "-e", "carp.adver_int",
                "-e", "carp.checksum.status", "-e", "carp.counter", "-e", "carp.hmac");
        assertEquals(expected, out.lines().toList());
    }
}
