package org.carp4j.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.carp4j.config.Disk;

/**
 * The carpdev's ARP sysctls carpd changes (arp_ignore=1, arp_announce=2: the carpdev neither
 * answers for the virtual addresses with its own MAC nor announces them), and the values they had
 * before. They are put back when the carpdev's last carp interface goes (a stop, a destroy, a
 * carpdev change). The values before are also kept in a file of the state directory, so the
 * guard, or carpd --cleanup, or the next carpd's start, puts them back after a kill -9.
 *
 * <p>File format, one line per sysctl: {@code net/ipv4/conf/em0/arp_ignore 0} (the carpd-guard
 * script reads it too).
 */
public final class CarpdevSysctls {
    /** The file's name in the state directory. */
    public static final String FILE = "carpdev-sysctls";
    static final List<Map.Entry<String, String>> TUNED = List.of(Map.entry("arp_ignore", "1"), Map.entry("arp_announce", "2"));

    private final Path root;
    private final Path saved;
    /** sysctl key (relative to root) to its value before carpd changed it. */
    private final Map<String, String> originals = new LinkedHashMap<>();
    /** carp interface to its carpdev. */
    private final Map<String, String> users = new HashMap<>();
    private boolean loaded;

    /**
     * root is /proc/sys on a real host; saved is the file that survives a kill -9 (null: kept in
     * memory only). Values a killed carpd saved are loaded, so they are the ones put back.
     */
    public CarpdevSysctls(Path root, Path saved) {
        this.root = root;
        this.saved = saved;
    }

    /** Read at first use, not at construction: by then carpd holds the state directory's lock. */
    private void load() {
        if (loaded) {
            return;
        }
        loaded = true;
        if (saved != null && Files.exists(saved)) {
            try {
                for (String line : Files.readAllLines(saved, StandardCharsets.US_ASCII)) {
                    String[] f = line.trim().split(" ");
                    if (f.length == 2 && valid(f[0]) && f[1].matches("[0-9]{1,3}")) {
                        originals.put(f[0], f[1]);
                    }
                }
            } catch (IOException e) {
                // unreadable: nothing known to put back
            }
        }
    }

    private static String key(String carpdev, String knob) {
        return "net/ipv4/conf/" + carpdev + "/" + knob;
    }

    /** Only the keys this class writes, so the file can never point a write elsewhere. */
    private static boolean valid(String key) {
        return key.matches("net/ipv4/conf/[^/.][^/]{0,15}/(arp_ignore|arp_announce)");
    }

    /** carpdev carries carp interface iface now: its ARP sysctls are changed, the old values kept. */
    public synchronized void tune(String iface, String carpdev) {
        load();
        String before = users.put(iface, carpdev);
        if (before != null && !before.equals(carpdev)) {
            restoreUnused(before);
        }
        boolean added = false;
        for (var t : TUNED) {
            String key = key(carpdev, t.getKey());
            if (!valid(key)) {
                continue;
            }
            Path file = root.resolve(key);
            try {
                if (!originals.containsKey(key)) {
                    String value = Files.readString(file, StandardCharsets.US_ASCII).trim();
                    if (value.equals(t.getValue())) {
                        continue; // already so: nothing of the admin's to put back
                    }
                    originals.put(key, value);
                    added = true;
                }
                Files.writeString(file, t.getValue());
            } catch (IOException e) {
                // no such knob (the carpdev is gone): nothing changed
            }
        }
        if (added) {
            save();
        }
    }

    /** iface is gone; if it was its carpdev's last, the carpdev gets its values back. */
    public synchronized void release(String iface) {
        load();
        String carpdev = users.remove(iface);
        if (carpdev != null) {
            restoreUnused(carpdev);
        }
    }

    private void restoreUnused(String carpdev) {
        if (users.containsValue(carpdev)) {
            return;
        }
        boolean removed = false;
        for (var t : TUNED) {
            String key = key(carpdev, t.getKey());
            String value = originals.remove(key);
            if (value != null) {
                write(key, value);
                removed = true;
            }
        }
        if (removed) {
            save();
        }
    }

    /**
     * Puts back every value not in use by a carp interface (at the start, and by --cleanup: those a
     * killed carpd left), as "net.ipv4.conf.em0.arp_ignore=0".
     */
    public synchronized List<String> restoreAll() {
        load();
        List<String> restored = new ArrayList<>();
        for (var it = originals.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            String carpdev = e.getKey().split("/")[3];
            if (users.containsValue(carpdev)) {
                continue;
            }
            if (write(e.getKey(), e.getValue())) {
                restored.add(e.getKey().replace('/', '.') + "=" + e.getValue());
            }
            it.remove();
        }
        save();
        return restored;
    }

    private boolean write(String key, String value) {
        try {
            Files.writeString(root.resolve(key), value);
            return true;
        } catch (IOException e) {
            return false; // the carpdev is gone, and its sysctls with it
        }
    }

    /** The file holds exactly the values to put back; no file when there are none. */
    private void save() {
        if (saved == null) {
            return;
        }
        try {
            if (originals.isEmpty()) {
                Files.deleteIfExists(saved);
                return;
            }
            StringBuilder b = new StringBuilder();
            originals.forEach((k, v) -> b.append(k).append(' ').append(v).append('\n'));
            // as the state file is saved: a new 0600 file that follows no link, fsynced, renamed
            Path tmp = saved.resolveSibling(saved.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try (Disk.Output o = Disk.REAL.create(tmp)) {
                o.write(b.toString().getBytes(StandardCharsets.US_ASCII));
                o.fsync();
            }
            Disk.REAL.rename(tmp, saved);
        } catch (IOException e) {
            // the stop still puts them back from memory; only a kill -9 would leave them changed
        }
    }
}
