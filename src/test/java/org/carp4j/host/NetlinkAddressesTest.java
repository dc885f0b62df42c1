package org.carp4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.carp4j.config.VipAddress;
import org.carp4j.testing.Hex;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rtnetlink address requests, byte for byte what iproute2 6.x sends for the same command
 * (recorded with `strace -e trace=sendmsg -e write=3 ip addr ...` on x86-64, interface index 3,
 * sequence number 0x6b115e2e), and the acks read back.
 */
class NetlinkAddressesTest {
    private static final int SEQ = 0x6b115e2e;
    private static final int INDEX = 3;

    @BeforeAll
    static void littleEndian() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the recorded bytes are x86-64's");
    }

    private static String encode(boolean add, String address, boolean noPrefixRoute) {
        return Hex.of(NetlinkAddresses.encode(
                List.of(new NetlinkAddresses.Request(add, INDEX, VipAddress.parse(address), noPrefixRoute)), SEQ));
    }

    @Test
    void ipv4ReplaceWithBroadcastIsWhatIpSends() {
        // ip addr replace 10.0.0.11/24 brd + dev d0
        assertEquals(Hex.of(Hex.bytes("""
                30000000 1400 0505 2e5e116b 00000000
                02 18 00 00 03000000
                0800 0200 0a00000b  0800 0100 0a00000b  0800 0400 0a0000ff""")),
                encode(true, "10.0.0.11/24", false));
    }

    @Test
    void noprefixrouteGoesInIfaFlagsAfterTheLocalAddress() {
        // ip addr replace 10.0.0.10/24 brd + dev d0 noprefixroute
        assertEquals(Hex.of(Hex.bytes("""
                38000000 1400 0505 2e5e116b 00000000
                02 18 00 00 03000000
                0800 0200 0a00000a  0800 0800 00020000  0800 0100 0a00000a  0800 0400 0a0000ff""")),
                encode(true, "10.0.0.10/24", true));
    }

    @Test
    void ipv6ReplaceIsNodadWithoutBroadcast() {
        // ip addr replace 2001:db8::10/64 nodad dev d0
        assertEquals(Hex.of(Hex.bytes("""
                40000000 1400 0505 2e5e116b 00000000
                0a 40 02 00 03000000
                1400 0200 20010db8000000000000000000000010
                1400 0100 20010db8000000000000000000000010""")),
                encode(true, "2001:db8::10/64", false));
    }

    @Test
    void ipv6NodadAndNoprefixrouteTogetherGoInIfaFlags() {
        // ip addr replace 2001:db8::11/64 nodad dev d0 noprefixroute
        assertEquals(Hex.of(Hex.bytes("""
                48000000 1400 0505 2e5e116b 00000000
                0a 40 00 00 03000000
                1400 0200 20010db8000000000000000000000011
                0800 0800 02020000
                1400 0100 20010db8000000000000000000000011""")),
                encode(true, "2001:db8::11/64", true));
    }

    @Test
    void deleteIsAPlainAckedRequest() {
        // ip addr del 10.0.0.10/24 dev d0; ip addr del 2001:db8::10/64 dev d0
        assertEquals(Hex.of(Hex.bytes("""
                28000000 1500 0500 2e5e116b 00000000
                02 18 00 00 03000000
                0800 0200 0a00000a  0800 0100 0a00000a""")),
                encode(false, "10.0.0.10/24", false));
        assertEquals(Hex.of(Hex.bytes("""
                40000000 1500 0500 2e5e116b 00000000
                0a 40 00 00 03000000
                1400 0200 20010db8000000000000000000000010
                1400 0100 20010db8000000000000000000000010""")),
                encode(false, "2001:db8::10/64", false));
    }

    @Test
    void aBatchIsTheMessagesBackToBackWithRisingSequenceNumbers() {
        byte[] b = NetlinkAddresses.encode(List.of(
                new NetlinkAddresses.Request(true, 3, VipAddress.parse("10.0.0.11/24"), false),
                new NetlinkAddresses.Request(true, 4, VipAddress.parse("2001:db8::10/64"), false)), SEQ);
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(48 + 64, b.length);
        assertEquals(SEQ, buf.getInt(8));
        assertEquals(SEQ + 1, buf.getInt(48 + 8));
        assertEquals(4, buf.getInt(48 + 20));
    }

    /** struct nlmsgerr after a header: the error (-errno, 0 = ack) and the request's header echoed. */
    private static void ack(ByteBuffer b, int seq, int errno) {
        b.putInt(36).putShort((short) NetlinkAddresses.NLMSG_ERROR).putShort((short) 0x100).putInt(seq).putInt(4242);
        b.putInt(-errno);
        b.putInt(48).putShort((short) NetlinkAddresses.RTM_NEWADDR).putShort((short) 0x505).putInt(seq).putInt(0);
    }

    @Test
    void acksAreMatchedBySequenceNumberAndStrangersIgnored() {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
        ack(b, SEQ, 0);
        ack(b, SEQ + 1, 17);
        ack(b, SEQ - 5, 0); // a late answer to an earlier batch
        b.flip();
        Map<Integer, Integer> answers = new HashMap<>();
        NetlinkAddresses.acks(b, SEQ, 2, answers);
        assertEquals(Map.of(SEQ, 0, SEQ + 1, 17), answers);
    }

    /** One RTM_NEWADDR of a dump: ifaddrmsg, then (type, bytes) attributes, each padded to 4. */
    private static void newaddr(ByteBuffer b, int seq, int family, int prefix, int index, Object... attrs) {
        int len = 24;
        for (int i = 0; i < attrs.length; i += 2) {
            len += (4 + ((byte[]) attrs[i + 1]).length + 3) & ~3;
        }
        b.putInt(len).putShort((short) NetlinkAddresses.RTM_NEWADDR).putShort((short) 2).putInt(seq).putInt(4242);
        b.put((byte) family).put((byte) prefix).put((byte) 0).put((byte) 0).putInt(index);
        for (int i = 0; i < attrs.length; i += 2) {
            byte[] v = (byte[]) attrs[i + 1];
            b.putShort((short) (4 + v.length)).putShort((short) (int) (Integer) attrs[i]).put(v);
            for (int pad = (4 + v.length) % 4; pad != 0 && pad < 4; pad++) {
                b.put((byte) 0);
            }
        }
    }

    @Test
    void anAddressDumpGivesEachInterfaceItsOwnAddresses() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
        // a point-to-point IPv4 address: IFA_ADDRESS is the peer, IFA_LOCAL ours
        newaddr(b, SEQ, NetlinkAddresses.AF_INET, 32, 7, NetlinkAddresses.IFA_ADDRESS, new byte[] {10, 9, 9, 9},
                NetlinkAddresses.IFA_LOCAL, new byte[] {10, 0, 0, 1}, 3 /* IFA_LABEL */, "carp0\0".getBytes());
        newaddr(b, SEQ, NetlinkAddresses.AF_INET6, 64, 7, NetlinkAddresses.IFA_ADDRESS,
                java.net.InetAddress.getByName("2001:db8::1").getAddress());
        newaddr(b, SEQ - 1, NetlinkAddresses.AF_INET, 24, 8, NetlinkAddresses.IFA_LOCAL, new byte[] {1, 2, 3, 4}); // another request's
        b.flip();
        Map<Integer, java.util.List<VipAddress>> got = new HashMap<>();
        assertEquals(false, NetlinkAddresses.parseDump(b, SEQ, got), "no NLMSG_DONE yet");
        assertEquals(Map.of(7, java.util.List.of(VipAddress.parse("10.0.0.1/32"), VipAddress.parse("2001:db8::1/64"))), got);

        ByteBuffer done = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
        done.putInt(20).putShort((short) NetlinkAddresses.NLMSG_DONE).putShort((short) 2).putInt(SEQ).putInt(4242).putInt(0);
        done.flip();
        assertEquals(true, NetlinkAddresses.parseDump(done, SEQ, got));

        ByteBuffer refused = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
        ack(refused, SEQ, 1);
        refused.flip();
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> NetlinkAddresses.parseDump(refused, SEQ, new HashMap<>()));
        assertTrue(e.getMessage().contains("EPERM"), e.getMessage());
    }

    @Test
    void refusalsNameTheAddressAndTheErrno() {
        var r = new NetlinkAddresses.Refused(
                new NetlinkAddresses.Request(true, 3, VipAddress.parse("10.0.0.11/24"), false), 19);
        assertEquals("add 10.0.0.11/24: no such interface (ENODEV)", r.getMessage());
        assertTrue(NetlinkAddresses.describe(200).contains("200"));
    }
}
