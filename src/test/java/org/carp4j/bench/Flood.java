package org.carp4j.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.CarpHmac;
import org.carp4j.codec.FrameCodec;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.VipAddress;
import org.pcap4j.core.PcapHandle;

/**
 * A hostile host: sends forged adverts as fast as asked. Half claim vhid 1 with a wrong HMAC and
 * the best possible priority (advskew 0, demote 0); half are well-formed adverts for other vhids.
 * Usage (inside a lab namespace): Flood IFACE PACKETS_PER_SECOND SECONDS
 */
public final class Flood {
    public static void main(String[] args) throws Exception {
        String dev = args[0];
        int rate = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        List<byte[]> frames = frames(2048);
        PcapHandle tx = new PcapHandle.Builder(dev).snaplen(64).timeoutMillis(10).build();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long gap = 1_000_000_000L / rate;
        long sent = 0;
        long next = start;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            if (now < next) {
                if (next - now > 200_000) {
                    Thread.sleep(0, 100_000);
                }
                continue;
            }
            tx.sendPacket(frames.get((int) (sent % frames.size())));
            sent++;
            next += gap;
        }
        tx.close();
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("sent %d forged adverts in %.1f s (%.0f/s)%n", sent, secs, sent / secs);
    }

    static List<byte[]> frames(int n) {
        Random r = new Random(7);
        List<byte[]> out = new ArrayList<>();
        var vip = List.of(VipAddress.Inet.parseLiteral("172.16.0.100"));
        for (int i = 0; i < n; i++) {
            boolean ours = i % 2 == 0;
            int vhid = ours ? 1 : 2 + r.nextInt(254);
            long counter = r.nextLong();
            byte[] hmac = CarpHmac.compute("attacker".getBytes(StandardCharsets.US_ASCII), vhid, vip,
                    ByteBuffer.allocate(8).putLong(counter).array());
            CarpHeader h = CarpHeader.advertisement(vhid, 1, 0, 0, counter, hmac);
            out.add(FrameCodec.encode(new AdvertFrame(MacAddress.CARP_GROUP_V4, MacAddress.virtual(vhid),
                    VipAddress.Inet.parseLiteral("172.16.0.33"), VipAddress.Inet.parseLiteral("224.0.0.18"),
                    255, 0x10, r.nextInt(0x10000), h)));
        }
        return out;
    }
}
