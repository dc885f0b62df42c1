package org.carp4j.daemon;

import java.util.Map;
import java.util.function.Predicate;
import org.carp4j.config.StateDocument;
import org.carp4j.config.VhostConfig;
import org.carp4j.election.CarpState;
import org.carp4j.election.ReceiveStats;

/** The Prometheus text exposition (format 0.0.4) of what carpd knows, built from its live state. */
final class Metrics {
    private Metrics() {
    }

    interface States {
        CarpState state(String ifname);
    }

    static String render(StateDocument doc, States states, Predicate<String> peerResolved,
                         Map<String, Long> transitions, ReceiveStats stats) {
        StringBuilder b = new StringBuilder(4096);
        header(b, "carp_state", "gauge", "1 for the state each carp interface is in, 0 for the others");
        for (VhostConfig c : doc.interfaces()) {
            CarpState now = states.state(c.name());
            for (CarpState s : CarpState.values()) {
                b.append("carp_state{interface=\"").append(c.name()).append("\",vhid=\"").append(c.vhid())
                        .append("\",state=\"").append(s).append("\"} ").append(s == now ? 1 : 0).append('\n');
            }
        }
        header(b, "carp_transitions_total", "counter", "state changes since carpd started");
        for (VhostConfig c : doc.interfaces()) {
            b.append("carp_transitions_total{interface=\"").append(c.name()).append("\"} ")
                    .append(transitions.getOrDefault(c.name(), 0L)).append('\n');
        }
        header(b, "carp_advskew", "gauge", "configured advskew");
        for (VhostConfig c : doc.interfaces()) {
            b.append("carp_advskew{interface=\"").append(c.name()).append("\"} ").append(c.advskew()).append('\n');
        }
        header(b, "carp_peer_resolved", "gauge", "1 once an interface's carppeer has answered ARP, 0 while it has not");
        for (VhostConfig c : doc.interfaces()) {
            if (c.peer() != null) {
                b.append("carp_peer_resolved{interface=\"").append(c.name()).append("\",carppeer=\"")
                        .append(c.peer().getHostAddress()).append("\"} ").append(peerResolved.test(c.name()) ? 1 : 0)
                        .append('\n');
            }
        }
        Map<String, Long> s = stats.snapshot();
        header(b, "carp_adverts_sent_total", "counter", "advertisements sent");
        b.append("carp_adverts_sent_total{family=\"ipv4\"} ").append(s.get("opackets")).append('\n');
        b.append("carp_adverts_sent_total{family=\"ipv6\"} ").append(s.get("opackets6")).append('\n');
        header(b, "carp_packets_received_total", "counter", "CARP packets received");
        b.append("carp_packets_received_total{family=\"ipv4\"} ").append(s.get("ipackets")).append('\n');
        b.append("carp_packets_received_total{family=\"ipv6\"} ").append(s.get("ipackets6")).append('\n');
        header(b, "carp_adverts_accepted_total", "counter", "advertisements that passed every check");
        b.append("carp_adverts_accepted_total ").append(s.get("accepted")).append('\n');
        header(b, "carp_drops_total", "counter", "received packets dropped, by reason");
        for (var e : stats.dropsByReason().entrySet()) {
            b.append("carp_drops_total{reason=\"").append(e.getKey().statName()).append("\"} ").append(e.getValue()).append('\n');
        }
        header(b, "carp_demote", "gauge", "the carp group's demote counter (carpconfig -g carp)");
        b.append("carp_demote ").append(doc.demote()).append('\n');
        return b.toString();
    }

    /** carpd's own queues: what overflowed, so a flood or a hung `ip` shows on a dashboard. */
    static String queues(long framesDropped, long requestsRefused, long hostDropped, int hostBacklog) {
        StringBuilder b = new StringBuilder(512);
        header(b, "carpd_queue_overflow_total", "counter",
                "work refused because a queue was full: captured frames dropped and control requests answered busy"
                        + " (event loop), host changes replaced by a resync (host)");
        b.append("carpd_queue_overflow_total{queue=\"event\",kind=\"frame\"} ").append(framesDropped).append('\n');
        b.append("carpd_queue_overflow_total{queue=\"event\",kind=\"request\"} ").append(requestsRefused).append('\n');
        b.append("carpd_queue_overflow_total{queue=\"host\",kind=\"change\"} ").append(hostDropped).append('\n');
        header(b, "carpd_host_queue_length", "gauge", "host changes (ip, /proc/sys) waiting for the host worker");
        b.append("carpd_host_queue_length ").append(hostBacklog).append('\n');
        return b.toString();
    }

    /** What the host advertises while demoted (a dead carpdev with preempt: advskew 240), and why. */
    static String demotion(StateDocument doc, java.util.function.ToIntFunction<String> advskewSent, String reason) {
        StringBuilder b = new StringBuilder(256);
        header(b, "carp_advskew_sent", "gauge", "the advskew advertised now: the configured one, or 240 while demoted");
        for (VhostConfig c : doc.interfaces()) {
            b.append("carp_advskew_sent{interface=\"").append(c.name()).append("\"} ")
                    .append(advskewSent.applyAsInt(c.name())).append('\n');
        }
        header(b, "carp_demoted", "gauge", "1 while every carp interface advertises advskew 240, with the reason");
        b.append("carp_demoted{reason=\"").append(reason == null ? "" : reason.replace("\"", "'")).append("\"} ")
                .append(reason == null ? 0 : 1).append('\n');
        return b.toString();
    }

    /** Per carpdev: frames past the kernel filter handed to carpd, and frames the kernel dropped unread. */
    static String capture(Map<String, org.carp4j.link.Link> links) {
        StringBuilder b = new StringBuilder(256);
        header(b, "carpd_capture_frames_total", "counter", "frames the kernel filter (ARP, CARP for the configured"
                + " vhids) passed and carpd read (delivered), or the kernel dropped because carpd fell behind");
        for (Map.Entry<String, org.carp4j.link.Link> e : new java.util.TreeMap<>(links).entrySet()) {
            b.append("carpd_capture_frames_total{carpdev=\"").append(e.getKey()).append("\",outcome=\"delivered\"} ")
                    .append(e.getValue().delivered()).append('\n');
            b.append("carpd_capture_frames_total{carpdev=\"").append(e.getKey()).append("\",outcome=\"kernel_dropped\"} ")
                    .append(e.getValue().kernelDrops()).append('\n');
        }
        return b.toString();
    }

    /** The hooks queue: transitions whose hooks were dropped because too many waited. */
    static String hooks(long dropped) {
        StringBuilder b = new StringBuilder(160);
        header(b, "carp_hooks_dropped_total", "counter", "transitions whose hooks were dropped because "
                + Hooks.CAPACITY + " already waited");
        return b.append("carp_hooks_dropped_total ").append(dropped).append('\n').toString();
    }

    private static void header(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }
}
