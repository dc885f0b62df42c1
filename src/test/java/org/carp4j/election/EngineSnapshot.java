package org.carp4j.election;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything a {@link CarpEngine} holds, as "path=value" lines: every field of every object it
 * reaches (states, timers, counters, replay guards, neighbours, damping, the random generator's
 * draw count), read by reflection so that a field added later is covered without changing the
 * test. Only the fields named in {@code ignored} ("Class.field") are left out.
 */
final class EngineSnapshot {
    private static final Map<Class<?>, List<Field>> FIELDS = new ConcurrentHashMap<>();
    private final Set<String> ignored;

    EngineSnapshot(Set<String> ignored) {
        this.ignored = ignored;
    }

    List<String> of(CarpEngine engine) {
        List<String> out = new ArrayList<>();
        visit(engine, "engine", new IdentityHashMap<>(), out);
        return out;
    }

    /** The lines that differ between two snapshots, for the failure message. */
    static List<String> diff(List<String> before, List<String> after) {
        List<String> d = new ArrayList<>();
        for (int i = 0; i < Math.max(before.size(), after.size()); i++) {
            String b = i < before.size() ? before.get(i) : "(none)";
            String a = i < after.size() ? after.get(i) : "(none)";
            if (!a.equals(b)) {
                d.add(b + "  ->  " + a);
            }
        }
        return d;
    }

    private void visit(Object o, String path, IdentityHashMap<Object, String> seen, List<String> out) {
        if (o == null || o instanceof Number || o instanceof Boolean || o instanceof Character || o instanceof String
                || o instanceof Enum<?> || o instanceof InetAddress || o instanceof Class<?>) {
            out.add(path + "=" + o);
            return;
        }
        String first = seen.putIfAbsent(o, path);
        if (first != null) {
            out.add(path + "=@" + first); // shared or cyclic: the same object as at that path
            return;
        }
        Class<?> c = o.getClass();
        if (o instanceof byte[] b) {
            out.add(path + "=" + HexFormat.of().formatHex(b));
        } else if (c.isArray()) {
            int n = java.lang.reflect.Array.getLength(o);
            out.add(path + ".length=" + n);
            for (int i = 0; i < n; i++) {
                visit(java.lang.reflect.Array.get(o, i), path + "[" + i + "]", seen, out);
            }
        } else if (o instanceof Map<?, ?> m) {
            Map<String, Object> sorted = new TreeMap<>(); // iteration order of a HashMap is no state
            m.forEach((k, v) -> sorted.put(String.valueOf(k), v));
            out.add(path + ".size=" + m.size());
            sorted.forEach((k, v) -> visit(v, path + "[" + k + "]", seen, out));
        } else if (o instanceof Collection<?> col) {
            out.add(path + ".size=" + col.size());
            int i = 0;
            for (Object e : col) {
                visit(e, path + "[" + i++ + "]", seen, out);
            }
        } else if (c.getName().startsWith("org.carp4j.") && !c.isSynthetic() && !c.isHidden()) {
            for (Field f : fields(c)) {
                if (ignored.contains(f.getDeclaringClass().getSimpleName() + "." + f.getName())) {
                    continue;
                }
                try {
                    visit(f.get(o), path + "." + f.getName(), seen, out);
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        } else {
            // a JDK object with no value semantics here (a MessageDigest, a lambda): its identity
            out.add(path + "=" + c.getName() + "@" + Integer.toHexString(System.identityHashCode(o)));
        }
    }

    private static List<Field> fields(Class<?> c) {
        return FIELDS.computeIfAbsent(c, k -> {
            List<Field> all = new ArrayList<>();
            for (Class<?> x = k; x != null && x != Object.class; x = x.getSuperclass()) {
                for (Field f : x.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers())) {
                        f.setAccessible(true);
                        all.add(f);
                    }
                }
            }
            return all;
        });
    }
}
