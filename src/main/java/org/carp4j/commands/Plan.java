package org.carp4j.commands;

import java.util.List;

/** What one carpconfig command line asks carpd to do; {@link CarpconfigLine} parses it from the words. */
public sealed interface Plan {
    boolean json();

    /** -a, or carpconfig alone. */
    record ShowAll(boolean json) implements Plan {
    }

    /** -l. */
    record ListNames(boolean json) implements Plan {
    }

    /** -g carp. */
    record ShowGroup(boolean json) implements Plan {
    }

    /** -g carp carpdemote n (delta > 0) or -carpdemote n (delta < 0). */
    record Demote(int delta) implements Plan {
        public boolean json() {
            return false;
        }
    }

    /** carpN alone. */
    record Show(String ifname, boolean json) implements Plan {
    }

    /** carpN and its words, applied together or not at all. */
    record Configure(String ifname, List<Step> steps) implements Plan {
        public boolean json() {
            return false;
        }
    }
}
