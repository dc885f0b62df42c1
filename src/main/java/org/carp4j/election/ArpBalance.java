package org.carp4j.election;

import java.net.InetAddress;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.carp4j.codec.Announcements;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.VipAddress;

/**
 * net.inet.carp.arpbalance (FreeBSD 6): carp interfaces on one carpdev that share an address
 * split the ARP requests for it. A request is answered by the interface at index (requester's
 * IPv4 address as a number) mod (how many running interfaces hold the address), in vhid order,
 * and only if that interface is MASTER here; the kernel stays silent.
 */
final class ArpBalance {
    private final Collection<VirtualHost> vhosts;

    /** vhosts: a live view of the host's carp interfaces. */
    ArpBalance(Collection<VirtualHost> vhosts) {
        this.vhosts = vhosts;
    }

    /** Our reply to an ARP request that arrived on dev, if it is ours to give. */
    Optional<Action.SendFrame> answer(String dev, Announcements.Arp request) {
        List<VirtualHost> holders = holders(dev, request.targetIp());
        if (holders.isEmpty()) {
            return Optional.empty();
        }
        long index = Integer.toUnsignedLong(VipAddress.Inet.toInt(request.senderIp())) % holders.size();
        VirtualHost chosen = holders.get((int) index);
        if (chosen.state() != CarpState.MASTER) {
            return Optional.empty();
        }
        byte[] reply = Announcements.arpReply(MacAddress.virtual(chosen.config().vhid()),
                request.targetIp(), request.senderMac(), request.senderIp());
        return Optional.of(new Action.SendFrame(chosen.name(), dev, Action.FrameKind.ARP_REPLY, reply));
    }

    /** Running carp interfaces on dev holding address, in vhid order. */
    List<VirtualHost> holders(String dev, InetAddress address) {
        return vhosts.stream()
                .filter(v -> v.state() != CarpState.INIT && dev.equals(v.config().carpdev())
                        && v.config().addresses().stream().anyMatch(a -> a.address().equals(address)))
                .sorted(Comparator.comparingInt(v -> v.config().vhid()))
                .toList();
    }

    /** An address shared by several carp interfaces is never announced under arpbalance: a
     * gratuitous ARP would pull every client to one MAC and undo the balance. */
    boolean shared(VirtualHost v, InetAddress address) {
        return vhosts.stream()
                .filter(o -> o != v && v.config().carpdev() != null && v.config().carpdev().equals(o.config().carpdev()))
                .anyMatch(o -> o.config().addresses().stream().anyMatch(a -> a.address().equals(address)));
    }
}
