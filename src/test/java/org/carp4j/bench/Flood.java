package org.carp4j.bench;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
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

/**
 * A hostile host: sends forged adverts at a paced rate. Half claim vhid 1 with a wrong HMAC and
 * the best possible priority (advskew 0, demote 0); half are well-formed adverts for other vhids.
 * Paced every 200 µs (the frames due are sent together with one sendmmsg on a packet socket), so
 * the same rate is reached whatever the receiver; it prints the rate it achieved.
 * Usage (inside a lab namespace): Flood IFACE PACKETS_PER_SECOND SECONDS
 */
public final class Flood {
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int MMSG = 64;
    private static final int IOVEC = 16;
    private static final int MAX_BURST = 1024;

    private static final class C {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native int socket(int domain, int type, int protocol) throws LastErrorException;

        static native int bind(int fd, Pointer address, int length) throws LastErrorException;

        static native int sendmmsg(int fd, Pointer messages, int count, int flags) throws LastErrorException;

        static native int if_nametoindex(String name);
    }

    public static void main(String[] args) throws Exception {
        String dev = args[0];
        int rate = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        List<byte[]> frames = frames(2048);
        int fd = C.socket(AF_PACKET, SOCK_RAW, 0);
        Memory sll = new Memory(20);
        sll.clear();
        sll.setShort(0, (short) AF_PACKET);
        sll.setInt(4, C.if_nametoindex(dev));
        C.bind(fd, sll, 20);
        // every frame's mmsghdr and iovec built once; a burst is a window of consecutive ones
        int n = frames.size();
        long dataAt = (long) n * (MMSG + IOVEC);
        Memory m = new Memory(dataAt + (long) n * 128);
        m.clear();
        for (int i = 0; i < n; i++) {
            long iov = (long) n * MMSG + (long) i * IOVEC;
            m.write(dataAt + (long) i * 128, frames.get(i), 0, frames.get(i).length);
            m.setPointer(iov, m.share(dataAt + (long) i * 128));
            m.setLong(iov + 8, frames.get(i).length);
            m.setPointer((long) i * MMSG + 16, m.share(iov));
            m.setLong((long) i * MMSG + 24, 1);
        }
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long sent = 0;
        long skipped = 0; // adverts that fell due but were given up: the achieved rate is sent / time
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            long due = (now - start) * rate / 1_000_000_000L - sent - skipped;
            if (due > rate / 100) {
                // more than 10 ms behind (the sending itself costs the kernel a core on a small box):
                // give up what is late rather than burst it, and report the rate really achieved
                skipped += due - rate / 100;
                due = rate / 100;
            }
            while (due > 0 && System.nanoTime() < end) {
                int at = (int) (sent % n);
                int burst = (int) Math.min(Math.min(due, MAX_BURST), n - at);
                int done = C.sendmmsg(fd, m.share((long) at * MMSG), burst, 0);
                sent += done;
                due -= done;
            }
            Thread.sleep(0, 200_000);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("sent %d forged adverts in %.1f s (%.0f/s; %d/s asked)%n", sent, secs, sent / secs, rate);
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
