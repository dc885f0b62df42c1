package org.carp4j.daemon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.carp4j.codec.MacAddress;
import org.carp4j.commands.HostInterface;
import org.carp4j.config.VipAddress;
import org.carp4j.election.Carpdev;
import org.carp4j.host.HostNetwork;

/**
 * A host in memory: carpdev em0 with 10.0.0.1/24, the carp interfaces carpd makes, their
 * addresses. Adding addresses or creating interfaces can be made to hang, like a stuck `ip`.
 * Everything it does goes to {@link #events}, in order, next to the frames a FakeLink sent.
 */
final class FakeHost implements HostNetwork {
    final List<String> events;
    final Set<String> links = ConcurrentHashMap.newKeySet();
    final Map<String, Set<VipAddress>> addresses = new ConcurrentHashMap<>();
    /** Names held by an interface carpd did not make (an admin's bridge called carp1, say). */
    final Set<String> foreign = ConcurrentHashMap.newKeySet();
    /** Links whose cable is pulled: present, no carrier. */
    final Set<String> noCarrier = ConcurrentHashMap.newKeySet();
    private volatile CountDownLatch adds = new CountDownLatch(0);
    private volatile CountDownLatch creates = new CountDownLatch(0);

    FakeHost(List<String> events) {
        this.events = events;
        links.add("em0");
    }

    static List<String> eventLog() {
        return Collections.synchronizedList(new ArrayList<>());
    }

    /** While set, `ip addr add` fails with this message (a kernel that refuses the address). */
    volatile String refuseAdds;

    /** From now on `ip addr add` hangs until {@link #unblockAdds}. */
    void blockAdds() {
        adds = new CountDownLatch(1);
    }

    void unblockAdds() {
        adds.countDown();
    }

    void blockCreates() {
        creates = new CountDownLatch(1);
    }

    void unblockCreates() {
        creates.countDown();
    }

    /** Someone ran `ip link del name`. */
    void deleteBehindCarpdsBack(String name) {
        links.remove(name);
        addresses.remove(name);
    }

    @Override
    public List<HostInterface> interfaces() {
        return List.of(new HostInterface("em0", List.of(VipAddress.parse("10.0.0.1/24"))));
    }

    @Override
    public Optional<Boolean> carrier(String name) {
        return links.contains(name) ? Optional.of(!noCarrier.contains(name)) : Optional.empty();
    }

    /** em0's own addresses, as `ip addr add/del ... dev em0` leaves them. */
    volatile List<VipAddress> em0 = List.of(VipAddress.parse("10.0.0.1/24"));
    /** The next read of a carpdev throws this (an unexpected answer from the kernel), once. */
    volatile RuntimeException readFails;
    /** While set, a read of a carpdev looks at the host, then waits here before it answers. */
    volatile CountDownLatch readsAnswer = new CountDownLatch(0);

    @Override
    public Optional<Carpdev> carpdev(String name) {
        if (!links.contains(name)) {
            return Optional.empty();
        }
        RuntimeException fails = readFails;
        if (fails != null) {
            readFails = null;
            throw fails;
        }
        List<VipAddress> a = name.equals("em0") ? em0 : List.copyOf(addresses.getOrDefault(name, Set.of()));
        try {
            readsAnswer.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.of(new Carpdev(name, new MacAddress(0x0200_0000_0001L), a, true));
    }

    @Override
    public void createCarpInterface(String name, String carpdev, MacAddress mac, boolean ipv6) throws IOException {
        await(creates);
        if (foreign.contains(name)) {
            throw new ForeignInterfaceException(name);
        }
        links.add(name);
        events.add("created " + name);
    }

    @Override
    public void destroyCarpInterface(String name) {
        links.remove(name);
        addresses.remove(name);
        events.add("destroyed " + name);
    }

    @Override
    public boolean foreignInterface(String name) {
        return foreign.contains(name);
    }

    @Override
    public void kernelArp(String name, boolean answer) {
        events.add("kernel arp " + name + " " + answer);
    }

    @Override
    public void addAddresses(String name, List<VipAddress> a, List<VipAddress> carpdevAddresses) throws IOException {
        await(adds);
        if (refuseAdds != null) {
            throw new IOException(refuseAdds);
        }
        if (!links.contains(name)) {
            throw new IOException("Cannot find device \"" + name + "\"");
        }
        addresses.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet()).addAll(a);
        events.add("added " + name + " " + a);
    }

    @Override
    public void removeAddresses(String name, List<VipAddress> a) {
        Set<VipAddress> s = addresses.get(name);
        if (s != null) {
            a.forEach(s::remove);
        }
        events.add("removed " + name + " " + a);
    }

    @Override
    public List<String> cleanup() {
        return List.of();
    }

    private static void await(CountDownLatch l) throws IOException {
        try {
            if (!l.await(30, TimeUnit.SECONDS)) {
                throw new IOException("timed out");
            }
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }
}
