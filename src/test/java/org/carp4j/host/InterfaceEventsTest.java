package org.carp4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rtnetlink messages carpd reads: which interface each is about. */
class InterfaceEventsTest {
    private static ByteBuffer buffer() {
        return ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());
    }

    /** nlmsghdr then ifaddrmsg (family, prefixlen, flags, scope, index) and one 8-byte IFA_ADDRESS. */
    private static void addr(ByteBuffer b, int type, int index) {
        b.putInt(16 + 8 + 8).putShort((short) type).putShort((short) 0).putInt(0).putInt(0);
        b.put((byte) 2).put((byte) 24).put((byte) 0).put((byte) 0).putInt(index);
        b.putShort((short) 8).putShort((short) 1).put(new byte[] {(byte) 172, 16, 0, 1});
    }

    /** nlmsghdr, ifinfomsg, an IFLA_MTU and an IFLA_IFNAME padded to 4. */
    private static void link(ByteBuffer b, int type, int index, String name) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        int attr = 4 + n.length;
        int padded = (attr + 3) & ~3;
        b.putInt(16 + 16 + 8 + padded).putShort((short) type).putShort((short) 0).putInt(0).putInt(0);
        b.put((byte) 0).put((byte) 0).putShort((short) 1).putInt(index).putInt(0).putInt(0);
        b.putShort((short) 8).putShort((short) 4).putInt(1500);
        b.putShort((short) attr).putShort((short) InterfaceEvents.IFLA_IFNAME).put(n);
        b.put(new byte[padded - attr]);
    }

    @Test
    void addressMessagesNameTheIndexAndLinkMessagesTheName() {
        ByteBuffer b = buffer();
        addr(b, InterfaceEvents.RTM_NEWADDR, 3);
        link(b, InterfaceEvents.RTM_NEWLINK, 4, "em1");
        addr(b, InterfaceEvents.RTM_DELADDR, 5);
        link(b, InterfaceEvents.RTM_DELLINK, 6, "carp0");
        b.flip();
        assertEquals(List.of(new InterfaceEvents.Change(3, null, InterfaceEvents.Kind.ADDRESS_ADDED),
                new InterfaceEvents.Change(4, "em1", InterfaceEvents.Kind.LINK),
                new InterfaceEvents.Change(5, null, InterfaceEvents.Kind.ADDRESS_REMOVED),
                new InterfaceEvents.Change(6, "carp0", InterfaceEvents.Kind.LINK_REMOVED)), InterfaceEvents.parse(b));
    }

    @Test
    void otherMessagesAndTruncatedOnesAreSkipped() {
        ByteBuffer b = buffer();
        b.putInt(20).putShort((short) 24).putShort((short) 0).putInt(0).putInt(0).putInt(0); // RTM_NEWROUTE
        addr(b, InterfaceEvents.RTM_NEWADDR, 3);
        b.putInt(400).putShort((short) InterfaceEvents.RTM_NEWADDR).putShort((short) 0).putInt(0).putInt(0);
        b.flip();
        assertEquals(List.of(new InterfaceEvents.Change(3, null, InterfaceEvents.Kind.ADDRESS_ADDED)),
                InterfaceEvents.parse(b));
    }
}
