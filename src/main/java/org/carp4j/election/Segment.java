package org.carp4j.election;

import java.net.InetAddress;
import java.util.random.RandomGenerator;
import org.carp4j.codec.MacAddress;

/**
 * What a {@link VirtualHost} may ask of the host and the segment it runs on: the host-wide
 * settings that shape its election, where its frames go and come from, and one counter. It never
 * reaches the other carp interfaces or the engine itself.
 */
interface Segment {
    /** Link loss or send errors with preempt on: advertise advskew 240. */
    boolean suppressing();

    /** net.inet.carp.garprefresh in seconds, 0 = off. */
    int garpRefresh();

    boolean replayProtection();

    boolean preempt();

    /** net.inet.carp.strictauth: the HMAC also covers advbase, advskew and demote. */
    boolean strictAuth();

    /** The demote byte to advertise and compare (group counter plus send-error demotion). */
    int demote();

    RandomGenerator random();

    /** Source of our adverts of this family on the carpdev (its own address, else the VIP), or null. */
    InetAddress sourceAddress(VirtualHost v, boolean v4);

    /** Where a carppeer's frames go on Ethernet: its MAC, or broadcast until it answers ARP. */
    MacAddress peerMac(String carpdev, InetAddress peer);

    /** Under arpbalance, an address shared with another carp interface is never announced. */
    boolean sharedUnderBalance(VirtualHost v, InetAddress address);

    void countSent(boolean v4);
}
