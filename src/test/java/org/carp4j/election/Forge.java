package org.carp4j.election;

import java.nio.ByteBuffer;
import java.util.List;
import org.carp4j.codec.AdvertFrame;
import org.carp4j.codec.CarpHeader;
import org.carp4j.codec.CarpHmac;
import org.carp4j.codec.FrameCodec;
import org.carp4j.codec.MacAddress;
import org.carp4j.config.VipAddress;

/** Authenticated adverts as a peer (or someone who captured one) would put them on the wire. */
final class Forge {
    private Forge() {
    }

    /** An advert for vhid 1, password "pw", VIP 172.16.0.100, from src, with the fields given. */
    static byte[] advert(String src, int advbase, int advskew, int demote, long counter) {
        return advert(1, "pw", "172.16.0.100", src, advbase, advskew, demote, counter);
    }

    static byte[] advert(int vhid, String pass, String vip, String src, int advbase, int advskew, int demote,
                         long counter) {
        byte[] hmac = CarpHmac.compute(pass.getBytes(), vhid, List.of(VipAddress.Inet.parseLiteral(vip)),
                ByteBuffer.allocate(8).putLong(counter).array());
        return FrameCodec.encode(new AdvertFrame(MacAddress.CARP_GROUP_V4, MacAddress.virtual(vhid),
                VipAddress.Inet.parseLiteral(src), VipAddress.Inet.parseLiteral("224.0.0.18"), 255, 0x10, 1,
                CarpHeader.advertisement(vhid, advbase, advskew, demote, counter, hmac)));
    }
}
