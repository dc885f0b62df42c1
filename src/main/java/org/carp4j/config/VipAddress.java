package org.carp4j.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** A virtual address with its prefix length, as configured on a carp interface. */
public record VipAddress(InetAddress address, int prefixLength) {

    public VipAddress {
        int max = address instanceof Inet4Address ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + max);
        }
    }

    public boolean isIPv4() {
        return address instanceof Inet4Address;
    }

    /** "10.0.0.1/24", the form the state file and `ip addr` use. */
    @Override
    public String toString() {
        return Inet.format(address) + "/" + prefixLength;
    }

    /** Parses "10.0.0.1/24" or "2001:db8::1/64" (the state file's form). */
    public static VipAddress parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("missing /prefix in " + text);
        }
        return new VipAddress(Inet.parseLiteral(text.substring(0, slash)),
                Integer.parseInt(text.substring(slash + 1)));
    }

    /** The IPv4 netmask as an int (0xffffff00 for /24). */
    public int netmask() {
        return prefixLength == 0 ? 0 : (int) (0xffff_ffffL << (32 - prefixLength));
    }

    public InetAddress broadcast() {
        int a = Inet.toInt(address) | ~netmask();
        return Inet.fromInt(a);
    }

    /** True if other lies in this address's subnet (same family). */
    public boolean contains(InetAddress other) {
        byte[] a = address.getAddress();
        byte[] b = other.getAddress();
        if (a.length != b.length) {
            return false;
        }
        int bits = prefixLength;
        for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((a[i] & mask) != (b[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** Small helpers for address literals that never touch DNS. */
    public static final class Inet {
        private Inet() {
        }

        /** Parses a numeric IPv4 or IPv6 literal; rejects host names instead of resolving them. */
        public static InetAddress parseLiteral(String s) {
            if (s.isEmpty() || !(s.contains(":") || s.matches("[0-9.]+"))) {
                throw new IllegalArgumentException("not a numeric address: " + s);
            }
            if (!s.contains(":")) {
                String[] parts = s.split("\\.", -1);
                if (parts.length != 4) {
                    throw new IllegalArgumentException("not a dotted quad: " + s);
                }
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    if (parts[i].isEmpty() || parts[i].length() > 3) {
                        throw new IllegalArgumentException("not a dotted quad: " + s);
                    }
                    int v = Integer.parseInt(parts[i]);
                    if (v > 255) {
                        throw new IllegalArgumentException("octet " + v + " too large in " + s);
                    }
                    b[i] = (byte) v;
                }
                return byBytes(b);
            }
            if (!s.matches("[0-9A-Fa-f:.]+")) {
                throw new IllegalArgumentException("not an IPv6 address: " + s);
            }
            try {
                return InetAddress.getByName(s); // a literal containing ':' is never looked up
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IPv6 address: " + s, e);
            }
        }

        /** Dotted quad, or IPv6 in the RFC 5952 form (2001:db8::1), as ifconfig prints it. */
        public static String format(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length == 4) {
                return a.getHostAddress();
            }
            int[] w = new int[8];
            for (int i = 0; i < 8; i++) {
                w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
            }
            int bestStart = -1;
            int bestLen = 1; // a single zero group is not shortened
            for (int i = 0; i < 8; ) {
                int j = i;
                while (j < 8 && w[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j == i ? i + 1 : j;
            }
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                if (i == bestStart) {
                    s.append("::");
                    i += bestLen - 1;
                    continue;
                }
                if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                    s.append(':');
                }
                s.append(Integer.toHexString(w[i]));
            }
            return s.toString();
        }

        public static InetAddress byBytes(byte[] b) {
            try {
                return InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bad address length " + b.length, e);
            }
        }

        public static int toInt(InetAddress a) {
            byte[] b = a.getAddress();
            return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        }

        public static InetAddress fromInt(int v) {
            return byBytes(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        }
    }
}
