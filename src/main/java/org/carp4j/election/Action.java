package org.carp4j.election;

import java.util.List;
import org.carp4j.config.VipAddress;

/**
 * What the state machine asks the outside world to do. The core never performs I/O; the daemon
 * carries these out in order (and the simulated segment in tests delivers the frames).
 */
public sealed interface Action {

    enum FrameKind { ADVERT, GARP, NEIGHBOR_ADVERT, ARP_REPLY, ARP_REQUEST }

    /** Put this frame on the carpdev's wire (ifname: the carp interface it is for). */
    record SendFrame(String ifname, String carpdev, FrameKind kind, byte[] frame) implements Action {
    }

    /** Configure these addresses on the carp interface (we are MASTER). */
    record TakeAddresses(String ifname, List<VipAddress> addresses) implements Action {
    }

    /** Remove these addresses from the carp interface (we stopped being MASTER). */
    record ReleaseAddresses(String ifname, List<VipAddress> addresses) implements Action {
    }

    /** A state transition, always logged: "carp0: BACKUP -> MASTER (master timed out)". */
    record StateChange(String ifname, int vhid, CarpState from, CarpState to, String why) implements Action {
        @Override
        public String toString() {
            return ifname + ": " + from + " -> " + to + " (" + why + ")";
        }
    }

    enum Level { ERROR, WARNING, INFO, DEBUG }

    /** Any other line worth logging (dropped packets at log >= 1, accepted adverts at log 2). */
    record Log(Level level, String ifname, int vhid, String message) implements Action {
    }
}
