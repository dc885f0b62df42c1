package org.carp4j.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The state file, carpd.json: one versioned JSON document, written atomically (temporary file,
 * fsync, rename, fsync of the directory) with mode 0600 because it holds passwords. Reading is
 * strict: unknown keys, wrong types and out-of-range values are all reported with their path.
 */
public final class StateFile {
    public static final String NAME = "carpd.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path file;
    private final Disk disk;

    public StateFile(Path stateDir) {
        this(stateDir, Disk.REAL);
    }

    public StateFile(Path stateDir, Disk disk) {
        this.file = stateDir.resolve(NAME);
        this.disk = disk;
    }

    public Path path() {
        return file;
    }

    /** A state file that cannot be used, with every problem found. */
    public static final class InvalidStateException extends Exception {
        private final List<String> problems;

        public InvalidStateException(Path file, List<String> problems) {
            super(file + ": " + String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /** The saved document, or EMPTY when there is no file yet. */
    public StateDocument load() throws IOException, InvalidStateException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return StateDocument.EMPTY;
        }
        return parse(file, bytes);
    }

    public static StateDocument parse(Path file, byte[] bytes) throws InvalidStateException {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new InvalidStateException(file, List.of("not valid JSON: " + msg));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidStateException(file, List.of("$: expected a JSON object"));
        }
        Reader r = new Reader();
        StateDocument doc = r.document(root);
        if (r.problems.isEmpty()) {
            r.problems.addAll(Limits.problems(doc));
        }
        if (!r.problems.isEmpty()) {
            throw new InvalidStateException(file, r.problems);
        }
        return doc;
    }

    public void save(StateDocument doc) throws IOException {
        byte[] bytes = render(doc);
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(NAME + ".tmp");
        Files.deleteIfExists(tmp); // a link planted here is removed, never followed
        try (Disk.Output out = disk.create(tmp)) {
            out.write(bytes);
            out.fsync(); // the bytes are on disk before the name points at them
        }
        disk.rename(tmp, file);
        disk.fsyncDirectory(dir); // the rename itself must reach the disk before we acknowledge
    }

    public static byte[] render(StateDocument doc) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", StateDocument.FORMAT_VERSION);
        ObjectNode sys = root.putObject("sysctl");
        for (String k : Sysctls.NAMES) {
            sys.put(k, doc.sysctls().get(k));
        }
        root.putObject("groups").putObject("carp").put("demote", doc.demote());
        ArrayNode list = root.putArray("interfaces");
        for (VhostConfig c : doc.interfaces()) {
            ObjectNode o = list.addObject();
            o.put("name", c.name());
            o.put("vhid", c.vhid());
            o.put("pass", c.password());
            if (c.carpdev() == null) {
                o.putNull("carpdev");
            } else {
                o.put("carpdev", c.carpdev());
            }
            o.put("advbase", c.advbase());
            o.put("advskew", c.advskew());
            ArrayNode a = o.putArray("addresses");
            c.addresses().forEach(v -> a.add(v.toString()));
            o.put("up", c.up());
            if (c.peer() != null) {
                o.put("carppeer", c.peer().getHostAddress()); // absent = multicast, as files before carppeer
            }
        }
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Walks the JSON tree collecting every problem instead of stopping at the first. */
    private static final class Reader {
        final List<String> problems = new ArrayList<>();

        StateDocument document(JsonNode root) {
            keys(root, "$", Set.of("version", "sysctl", "groups", "interfaces"));
            int version = integer(root, "version", "$", 1);
            if (version != StateDocument.FORMAT_VERSION) {
                problems.add("version: " + version + " is not a format this carpd reads (expected "
                        + StateDocument.FORMAT_VERSION + ")");
            }
            Sysctls s = Sysctls.DEFAULTS;
            JsonNode sys = root.get("sysctl");
            if (sys != null) {
                if (object(sys, "sysctl")) {
                    keys(sys, "sysctl", Limits.sysctlRanges().keySet());
                    for (String k : Limits.sysctlRanges().keySet()) {
                        s = s.with(k, integer(sys, k, "sysctl", Sysctls.DEFAULTS.get(k)));
                    }
                }
            }
            int demote = 0;
            JsonNode groups = root.get("groups");
            if (groups != null && object(groups, "groups")) {
                keys(groups, "groups", Set.of("carp"));
                JsonNode carp = groups.get("carp");
                if (carp != null && object(carp, "groups.carp")) {
                    keys(carp, "groups.carp", Set.of("demote"));
                    demote = integer(carp, "demote", "groups.carp", 0);
                }
            }
            List<VhostConfig> ifs = new ArrayList<>();
            JsonNode list = root.get("interfaces");
            if (list != null) {
                if (!list.isArray()) {
                    problems.add("interfaces: expected an array");
                } else {
                    for (int i = 0; i < list.size(); i++) {
                        VhostConfig c = vhost(list.get(i), "interfaces[" + i + "]");
                        if (c != null) {
                            ifs.add(c);
                        }
                    }
                }
            }
            return new StateDocument(s, demote, ifs);
        }

        VhostConfig vhost(JsonNode o, String at) {
            if (!object(o, at)) {
                return null;
            }
            keys(o, at, Set.of("name", "vhid", "pass", "carpdev", "advbase", "advskew", "addresses", "up",
                    "carppeer"));
            String name = text(o, "name", at, null, false);
            if (name == null) {
                problems.add(at + ".name: missing");
            }
            int vhid = integer(o, "vhid", at, 0);
            String pass = text(o, "pass", at, "", false);
            String carpdev = text(o, "carpdev", at, null, true);
            int advbase = integer(o, "advbase", at, VhostConfig.DEFAULT_ADVBASE);
            int advskew = integer(o, "advskew", at, 0);
            boolean up = true;
            JsonNode u = o.get("up");
            if (u != null) {
                if (u.isBoolean()) {
                    up = u.booleanValue();
                } else {
                    problems.add(at + ".up: expected true or false");
                }
            }
            List<VipAddress> addrs = new ArrayList<>();
            JsonNode a = o.get("addresses");
            if (a != null) {
                if (!a.isArray()) {
                    problems.add(at + ".addresses: expected an array");
                } else {
                    for (int i = 0; i < a.size(); i++) {
                        JsonNode v = a.get(i);
                        try {
                            if (!v.isTextual()) {
                                throw new IllegalArgumentException("expected a string like \"10.0.0.1/24\"");
                            }
                            addrs.add(VipAddress.parse(v.textValue()));
                        } catch (IllegalArgumentException e) {
                            problems.add(at + ".addresses[" + i + "]: " + e.getMessage());
                        }
                    }
                }
            }
            InetAddress peer = null;
            String p = text(o, "carppeer", at, null, true);
            if (p != null) {
                try {
                    peer = VipAddress.Inet.parseLiteral(p);
                    peer = peer.equals(VhostConfig.GROUP_V4) ? null : peer; // the default, spelled out
                } catch (IllegalArgumentException e) {
                    problems.add(at + ".carppeer: " + e.getMessage());
                }
            }
            return new VhostConfig(name, vhid, pass, carpdev, advbase, advskew, addrs, up, peer);
        }

        boolean object(JsonNode n, String at) {
            if (!n.isObject()) {
                problems.add(at + ": expected an object");
                return false;
            }
            return true;
        }

        void keys(JsonNode o, String at, Set<String> allowed) {
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    problems.add((at.equals("$") ? "" : at + ".") + k + ": unknown key");
                }
            }
        }

        int integer(JsonNode o, String key, String at, int dflt) {
            JsonNode n = o.get(key);
            if (n == null) {
                return dflt;
            }
            if (!n.isInt()) {
                problems.add((at.equals("$") ? "" : at + ".") + key + ": expected an integer");
                return dflt;
            }
            return n.intValue();
        }

        String text(JsonNode o, String key, String at, String dflt, boolean nullable) {
            JsonNode n = o.get(key);
            if (n == null || (nullable && n.isNull())) {
                return dflt;
            }
            if (!n.isTextual()) {
                problems.add(at + "." + key + ": expected a string");
                return dflt;
            }
            return n.textValue();
        }
    }
}
