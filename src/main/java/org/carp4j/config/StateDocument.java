package org.carp4j.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything an administrator configured: the sysctls, the carp group's demote counter and the
 * carp interfaces. This is what carpd persists and restores; runtime state (who is MASTER) is not.
 */
public record StateDocument(Sysctls sysctls, int demote, List<VhostConfig> interfaces) {
    public static final int FORMAT_VERSION = 1;
    public static final StateDocument EMPTY = new StateDocument(Sysctls.DEFAULTS, 0, List.of());

    public StateDocument {
        interfaces = List.copyOf(interfaces);
    }

    public Optional<VhostConfig> find(String name) {
        return interfaces.stream().filter(i -> i.name().equals(name)).findFirst();
    }

    /** A copy with this interface added or replaced, keeping the order of creation. */
    public StateDocument with(VhostConfig c) {
        List<VhostConfig> list = new ArrayList<>(interfaces);
        int i = indexOf(c.name());
        if (i >= 0) {
            list.set(i, c);
        } else {
            list.add(c);
        }
        return new StateDocument(sysctls, demote, list);
    }

    public StateDocument without(String name) {
        List<VhostConfig> list = new ArrayList<>(interfaces);
        list.removeIf(c -> c.name().equals(name));
        return new StateDocument(sysctls, demote, list);
    }

    public StateDocument withSysctls(Sysctls s) {
        return new StateDocument(s, demote, interfaces);
    }

    public StateDocument withDemote(int d) {
        return new StateDocument(sysctls, d, interfaces);
    }

    private int indexOf(String name) {
        for (int i = 0; i < interfaces.size(); i++) {
            if (interfaces.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
