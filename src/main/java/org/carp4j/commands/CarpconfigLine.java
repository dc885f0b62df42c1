package org.carp4j.commands;

import java.util.ArrayList;
import java.util.List;

/**
 * A whole carpconfig command line into one {@link Plan}: `-a`, `-l`, `-g carp [-]carpdemote [n]`,
 * `--json` anywhere, or an interface and its words. carpd executes the plan.
 */
public final class CarpconfigLine {
    public static final String USAGE = "usage: carpconfig [-a | -l | -g carp [[-]carpdemote [n]] | carpN [words ...]] [--json]";

    private CarpconfigLine() {
    }

    public static Plan parse(List<String> args) throws CommandException {
        List<String> a = new ArrayList<>(args);
        boolean json = a.removeIf(w -> w.equals(Flag.JSON.word()));
        if (a.isEmpty()) {
            return new Plan.ShowAll(json); // bare ifconfig shows everything
        }
        String first = a.get(0);
        if (first.equals(Flag.ALL.word()) || first.equals(Flag.LIST.word())) {
            if (a.size() > 1) {
                throw new CommandException(first + ": takes no other words (" + a.get(1) + ")");
            }
            return first.equals(Flag.ALL.word()) ? new Plan.ShowAll(json) : new Plan.ListNames(json);
        }
        if (first.equals(Flag.GROUP.word())) {
            return group(a.subList(1, a.size()), json);
        }
        if (first.startsWith("-")) {
            throw new CommandException("illegal option -- " + first.substring(1) + "\n" + USAGE);
        }
        List<String> words = a.subList(1, a.size());
        if (words.isEmpty()) {
            return new Plan.Show(first, json);
        }
        if (json) {
            throw new CommandException(Flag.JSON.word() + ": only with a display (-a, -l, -g carp, carpN alone)");
        }
        return new Plan.Configure(first, Steps.parse(words));
    }

    private static Plan group(List<String> a, boolean json) throws CommandException {
        if (a.isEmpty()) {
            throw new CommandException("-g: missing group name");
        }
        if (!a.get(0).equals(Flag.GROUP_NAME)) {
            throw new CommandException(a.get(0) + ": no such group (carp interfaces are in group carp)");
        }
        if (a.size() == 1) {
            return new Plan.ShowGroup(json);
        }
        String op = a.get(1);
        Flag.GroupWord g = Flag.GroupWord.find(op)
                .orElseThrow(() -> Suggest.unknown("group keyword", op, Flag.GroupWord.words()));
        int n = 1;
        if (a.size() > 2) {
            try {
                n = (int) Bounded.strtonum(a.get(2), 0, Flag.GroupWord.MAX);
            } catch (Bounded.OutOfRange e) {
                throw new CommandException("carp: invalid carp demotion: " + e.getMessage());
            }
        }
        if (a.size() > 3) {
            throw new CommandException(a.get(3) + ": extra word after " + op + " " + a.get(2));
        }
        if (json) {
            throw new CommandException(Flag.JSON.word() + ": only with a display (-a, -l, -g carp, carpN alone)");
        }
        return new Plan.Demote(g == Flag.GroupWord.CARPDEMOTE ? n : -n);
    }
}
