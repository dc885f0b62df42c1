package org.carp4j.daemon;

import java.io.PrintStream;
import java.time.Instant;

/**
 * One line per event on standard error, in logfmt so a collector can parse it:
 * {@code time=... level=info if=carp0 vhid=1 event=state msg="carp0: BACKUP -> MASTER (master timed out)"}.
 */
public final class Log {
    private final PrintStream out;

    public Log(PrintStream out) {
        this.out = out;
    }

    public void info(String event, String msg) {
        line("info", null, 0, event, msg, "");
    }

    public void warn(String event, String msg) {
        line("warning", null, 0, event, msg, "");
    }

    public void error(String event, String msg) {
        line("error", null, 0, event, msg, "");
    }

    public synchronized void line(String level, String ifname, int vhid, String event, String msg, String extra) {
        StringBuilder b = new StringBuilder(160);
        b.append("time=").append(Instant.now()).append(" level=").append(level);
        if (ifname != null) {
            b.append(" if=").append(ifname);
        }
        if (vhid > 0) {
            b.append(" vhid=").append(vhid);
        }
        b.append(" event=").append(event).append(extra).append(" msg=").append(quote(msg));
        out.println(b);
        out.flush();
    }

    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
