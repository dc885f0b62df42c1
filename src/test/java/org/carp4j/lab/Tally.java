package org.carp4j.lab;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.carp4j.commands.Keyword;
import org.carp4j.lab.CommandVectors.Outcome;
import org.carp4j.lab.CommandVectors.Vector;

/** How the random command lines fell out, per subject (a row of the grammar's tables). */
final class Tally {
    private final Map<String, EnumMap<Outcome, Integer>> rows = new LinkedHashMap<>();
    private final EnumMap<Outcome, Integer> total = new EnumMap<>(Outcome.class);
    private int invalidValues;
    /** Why lines built with valid values were refused (the state: no such interface, vhid taken, ...). */
    private final Map<String, Integer> validButRefused = new java.util.TreeMap<>();

    Tally() {
        CommandVectors.subjects().forEach(s -> rows.put(s, new EnumMap<>(Outcome.class)));
    }

    void count(Vector v, String err) {
        count(v);
        if (v.valueValid() && v.outcome() != Outcome.APPLIED && v.outcome() != Outcome.DISPLAY) {
            String why = err.replaceAll("carp[0-9]+|[0-9]+(\\.[0-9]+)+(/[0-9]+)?|[0-9a-f]*:[0-9a-f:]+(/[0-9]+)?|\\b[0-9]+\\b", "#")
                    .replaceFirst("^(carpconfig|carpsysctl): ", "");
            validButRefused.merge(why.length() > 60 ? why.substring(0, 60) : why.strip(), 1, Integer::sum);
        }
    }

    private void count(Vector v) {
        rows.get(v.subject()).merge(v.outcome(), 1, Integer::sum);
        total.merge(v.outcome(), 1, Integer::sum);
        if (!v.valueValid()) {
            invalidValues++;
        }
    }

    int get(String subject, Outcome o) {
        return rows.get(subject).getOrDefault(o, 0);
    }

    int refused(String subject) {
        return get(subject, Outcome.REFUSED_BY_CLIENT) + get(subject, Outcome.REFUSED_BY_DAEMON);
    }

    /** Rows the vectors missed: each must be reached, and a keyword or sysctl both applied and refused. */
    List<String> unreached() {
        List<String> missing = new ArrayList<>();
        for (String s : rows.keySet()) {
            boolean setting = Keyword.find(s).isPresent() || s.startsWith("sysctl ") && !s.startsWith("sysctl -")
                    || s.startsWith("-g carp ");
            int seen = rows.get(s).values().stream().mapToInt(Integer::intValue).sum();
            if (seen < 3 || setting && (get(s, Outcome.APPLIED) == 0 || refused(s) == 0)) {
                missing.add(s + " " + rows.get(s));
            }
        }
        return missing;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(String.format("%-26s %8s %8s %8s %8s%n", "subject", "applied", "client", "daemon",
                "display"));
        rows.forEach((s, o) -> b.append(String.format("%-26s %8d %8d %8d %8d%n", s, o.getOrDefault(Outcome.APPLIED, 0),
                o.getOrDefault(Outcome.REFUSED_BY_CLIENT, 0), o.getOrDefault(Outcome.REFUSED_BY_DAEMON, 0),
                o.getOrDefault(Outcome.DISPLAY, 0))));
        b.append(String.format("%-26s %8d %8d %8d %8d%n", "total", total.getOrDefault(Outcome.APPLIED, 0),
                total.getOrDefault(Outcome.REFUSED_BY_CLIENT, 0), total.getOrDefault(Outcome.REFUSED_BY_DAEMON, 0),
                total.getOrDefault(Outcome.DISPLAY, 0)));
        b.append("vectors built with an invalid value: ").append(invalidValues).append('\n');
        b.append("valid values refused because of the state (the model expected each):\n");
        validButRefused.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue())
                .forEach(e -> b.append(String.format("%6d  %s%n", e.getValue(), e.getKey())));
        return b.toString();
    }
}
