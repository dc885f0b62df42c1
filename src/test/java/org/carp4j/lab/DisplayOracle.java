package org.carp4j.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.carp4j.lab.CarpModel.Addr;
import org.carp4j.lab.CarpModel.Iface;
import org.carp4j.lab.CommandVectors.Shows;
import org.carp4j.lab.CommandVectors.Vector;

/**
 * What carpconfig's and carpsysctl's displays must show for the {@link CarpModel}, as
 * carpconfig(8) and carpsysctl(8) describe them; each check returns the problem, or null.
 */
final class DisplayOracle {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CommandSession commands;

    DisplayOracle(CommandSession commands) {
        this.commands = commands;
    }

    /** The output of a display command against the model. */
    String display(Vector v, Lab.Result r, CarpModel m) throws Exception {
        String out = r.out();
        return switch (v.shows()) {
            case ALL -> v.json() ? sameJson(out, m, null) : sameNames(out.lines().filter(l -> !l.startsWith("\t"))
                    .map(l -> l.substring(0, l.indexOf(':'))).toList(), m);
            case LIST -> sameNames(v.json() ? names(JSON.readTree(out)) : List.of(out.trim().split(" +")), m);
            case GROUP -> v.json() ? expect(JSON.readTree(out).toString(), "{\"group\":\"carp\",\"demote\":" + m.demote + "}")
                    : expect(out, "carp: carp demote count " + m.demote + "\n");
            case IFACE -> sameJson(out, m, v.about());
            case HELP -> out.contains("usage:") ? null : "no usage in the help: " + out;
            case VERSION -> out.matches("carp(config|sysctl) [0-9].*\\s*") ? null : "not a version: " + out;
            case SYSCTL -> sysctls(v, out, m);
            case NOTHING, STATE -> null;
        };
    }

    /** After an applied command: the displays show the model ("applied means the display shows it"). */
    String applied(Vector v, Lab.Result r, CarpModel before, CarpModel m) throws Exception {
        if (v.tool().equals("carpsysctl")) {
            String name = v.about();
            String line = CarpModel.SYSCTLS.containsKey(name) ? "net.inet.carp." + name + ": " + before.sysctls.get(name)
                    + " -> " + m.sysctls.get(name) : null;
            if (!r.out().contains(line)) {
                return "the write did not print " + line + ": " + r.out();
            }
            return expect(commands.run("carpsysctl", List.of(name), null).out(), "net.inet.carp." + name + ": "
                    + m.sysctls.get(name) + "\n");
        }
        if (v.shows() == Shows.GROUP) {
            return expect(commands.run("carpconfig", List.of("-g", "carp"), null).out(), "carp: carp demote count " + m.demote
                    + "\n");
        }
        if (v.shows() == Shows.STATE) {
            String[] a = v.about().split(" ");
            // a forced MASTER or INIT stays (one host); BACKUP turns MASTER after master-down
            if (!a[1].equals("BACKUP")) {
                String shown = commands.run("carpconfig", List.of(a[0]), null).out();
                return shown.contains("carp: " + a[1] + " ") ? null : "state " + a[1] + " not shown: " + shown;
            }
            return null;
        }
        String problem = sameJson(commands.run("carpconfig", List.of("-a", "--json"), null).out(), m, null);
        if (problem != null) {
            return problem;
        }
        Iface c = m.ifaces.get(v.about());
        Lab.Result shown = commands.run("carpconfig", List.of(v.about()), null);
        if (c == null) {
            return shown.exit() != 0 && shown.err().contains("no such interface") ? null : "destroyed but shown: " + shown;
        }
        for (String line : text(c, m.demote)) {
            if (!shown.out().contains(line)) {
                return "carpconfig " + c.name + " does not show \"" + line.trim() + "\":\n" + shown.out();
            }
        }
        if (c.pass.length() >= 4 && (shown.out().contains(c.pass) || r.err().contains(c.pass))) {
            return "the passphrase is shown";
        }
        return null;
    }

    /** carpconfig carpN's lines for the interface, in the handbook's layout. */
    static List<String> text(Iface c, int demote) {
        List<String> lines = new ArrayList<>();
        lines.add(c.name + ": flags=");
        lines.add(c.up ? "<UP,BROADCAST," : "<BROADCAST,");
        lines.add(" carpdev " + (c.carpdev == null ? "none" : c.carpdev) + " vhid " + (c.vhid == 0 ? "none" : c.vhid)
                + " advbase " + c.advbase + " advskew " + (demote > 0 ? "" : c.advskew)); // demoted: the advskew sent
        if (c.peer != null) {
            lines.add(" carppeer " + c.peer.getHostAddress());
        }
        for (Addr a : c.addrs) {
            if (a.v4()) {
                lines.add("\tinet " + a.address().getHostAddress() + " netmask " + CommandVectors.hex(a.prefix()) + " broadcast "
                        + CommandVectors.broadcast(a.address(), a.prefix()) + "\n");
            } else {
                lines.add("\tinet6 " + compact(a.address()) + " prefixlen " + a.prefix() + "\n");
            }
        }
        return lines;
    }

    private static String compact(InetAddress a) {
        return a.getHostAddress().replaceFirst("(^|:)(0+(:|$)){2,8}", "::").replaceFirst(":::", "::");
    }

    private String sysctls(Vector v, String out, CarpModel m) {
        boolean valuesOnly = v.words().stream().anyMatch(w -> w.matches("-[aAw]*n[aAw]*"));
        List<String> lines = out.lines().toList();
        List<String> expected = new ArrayList<>();
        m.sysctls.forEach((k, val) -> {
            boolean asked = v.words().stream().anyMatch(w -> w.matches("-[nw]*[aA][nw]*"))
                    || v.words().contains(k) || v.words().contains("net.inet.carp." + k);
            if (asked) {
                expected.add(valuesOnly ? Integer.toString(val) : "net.inet.carp." + k + ": " + val);
            }
        });
        if (expected.isEmpty() || !lines.subList(0, Math.min(lines.size(), expected.size())).equals(expected)) {
            return "carpsysctl shows " + lines + ", the model " + expected;
        }
        return null;
    }

    private static String expect(String actual, String expected) {
        return actual.equals(expected) ? null : "shows \"" + actual + "\", the model \"" + expected + "\"";
    }

    private static String sameNames(List<String> shown, CarpModel m) {
        List<String> names = shown.stream().filter(s -> !s.isEmpty()).sorted().toList();
        return names.equals(new ArrayList<>(m.ifaces.keySet())) ? null : "names shown " + names + ", the model " + m.ifaces.keySet();
    }

    private static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.isTextual() ? n.asText() : n.get("name").asText()));
        return out;
    }

    /** The --json interfaces (all, or only) against the model, member by member. */
    private static String sameJson(String out, CarpModel m, String only) throws Exception {
        JsonNode array = JSON.readTree(out);
        TreeSet<String> shown = new TreeSet<>();
        array.forEach(n -> shown.add(describe(n)));
        TreeSet<String> model = new TreeSet<>();
        for (Map.Entry<String, Iface> e : m.ifaces.entrySet()) {
            if (only == null || e.getKey().equals(only)) {
                model.add(describe(e.getValue(), m.demote));
            }
        }
        return shown.equals(model) ? null : "--json shows\n  " + String.join("\n  ", shown) + "\nthe model\n  "
                + String.join("\n  ", model);
    }

    static String describe(JsonNode n) {
        List<String> addrs = new ArrayList<>();
        String primary = null;
        for (JsonNode a : n.get("addresses")) {
            InetAddress ia = CarpModel.addr(a.get("address").asText());
            addrs.add(ia.getHostAddress() + "/" + a.get("prefixlen").asInt());
            if (primary == null && a.get("family").asText().equals("inet")) {
                primary = ia.getHostAddress();
            }
        }
        return n.get("name").asText() + " up=" + n.get("up").asBoolean() + " vhid=" + (n.get("vhid").isNull() ? 0
                : n.get("vhid").asInt()) + " carpdev=" + (n.get("carpdev").isNull() ? null : n.get("carpdev").asText())
                + " advbase=" + n.get("advbase").asInt() + " advskew=" + n.get("advskew").asInt() + " carppeer="
                + n.get("carppeer").asText() + " demote=" + n.get("demote").asInt() + " primary=" + primary + " addresses="
                + new TreeSet<>(addrs);
    }

    static String describe(Iface c, int demote) {
        Addr p = c.primary();
        return c.name + " up=" + c.up + " vhid=" + c.vhid + " carpdev=" + c.carpdev + " advbase=" + c.advbase + " advskew="
                + c.advskew + " carppeer=" + (c.peer == null ? "224.0.0.18" : c.peer.getHostAddress()) + " demote=" + demote
                + " primary=" + (p == null ? null : p.address().getHostAddress()) + " addresses="
                + new TreeSet<>(c.addrs.stream().map(Addr::toString).toList());
    }
}
