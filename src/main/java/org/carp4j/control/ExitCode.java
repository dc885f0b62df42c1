package org.carp4j.control;

/**
 * Every exit status of carpd, carpconfig, carpsysctl and carpsh, in one place: 1 and 2 as the BSD
 * tools use them, the rest from sysexits(3). carpconfig(8), carpsysctl(8) and carpd(8) list them.
 */
public final class ExitCode {
    public static final int OK = 0;
    /** A refused command (bad word, out of range, no such interface); nothing changed. */
    public static final int REFUSED = 1;
    /** A malformed control request (unknown op, too long, timed out); carpsh: a line with an open quote. */
    public static final int PROTOCOL = 2;
    /** carpsh: not a command, as sh(1) says for a command it cannot find. */
    public static final int NOT_FOUND = 127;
    /** carpd is not running or closed the connection. */
    public static final int UNAVAILABLE = 69;
    /** A bug: carpd's log says more. */
    public static final int SOFTWARE = 70;
    /** The configuration could not be saved or read, or the host's interfaces could not be listed. */
    public static final int IOERR = 74;
    /** Another carpd holds the state directory; or carpd is busy (the client retries, then gives up with it). */
    public static final int TEMPFAIL = 75;
    /** Not root (cannot read carpd's credential), or a path another user can change. */
    public static final int NOPERM = 77;
    /** carpd: an invalid state file or an unsafe state directory. */
    public static final int CONFIG = 78;

    private ExitCode() {
    }
}
