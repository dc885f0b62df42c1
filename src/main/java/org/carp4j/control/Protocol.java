package org.carp4j.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The control protocol, version 1: one JSON object per line each way over TCP on 127.0.0.1.
 * <pre>
 * request:  {"v":1,"token":"&lt;hex&gt;","op":"carpconfig"|"carpsysctl"|"names","args":["carp0","vhid","1"]}
 * response: {"v":1,"exit":0,"out":"...","err":"..."}
 * </pre>
 * The daemon runs the command line itself, so a command is checked and applied as one change.
 */
public final class Protocol {
    public static final int VERSION = 1;
    public static final int MAX_LINE = 64 * 1024;
    public static final List<String> OPS = List.of("carpconfig", "carpsysctl", "names");
    /** Jackson is loaded only where requests are read (the daemon), never in the commands. */
    private static final class Strict {
        static final ObjectMapper JSON = new ObjectMapper();
    }

    private Protocol() {
    }

    public record Request(String token, String op, List<String> args) {
    }

    public record Response(int exit, String out, String err) {
        public static Response ok(String out) {
            return new Response(0, out, "");
        }

        public static Response error(int exit, String err) {
            return new Response(exit, "", err);
        }
    }

    public static String encode(Request r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("v", VERSION);
        o.put("token", r.token());
        o.put("op", r.op());
        o.put("args", r.args());
        return FlatJson.object(o);
    }

    public static String encode(Response r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("v", VERSION);
        o.put("exit", r.exit());
        o.put("out", r.out());
        o.put("err", r.err());
        return FlatJson.object(o);
    }

    /** Parses a request line; any deviation from the format is an IllegalArgumentException. */
    public static Request decodeRequest(String line) {
        JsonNode o;
        try {
            o = Strict.JSON.readTree(line);
        } catch (Exception e) {
            throw new IllegalArgumentException("request is not JSON");
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("request is not a JSON object");
        }
        if (!o.path("v").isInt() || o.path("v").intValue() != VERSION) {
            throw new IllegalArgumentException("unsupported protocol version (this carpd speaks " + VERSION + ")");
        }
        if (!o.path("token").isTextual() || !o.path("op").isTextual() || !o.path("args").isArray()) {
            throw new IllegalArgumentException("request needs token, op and args");
        }
        List<String> args = new ArrayList<>();
        for (JsonNode a : o.path("args")) {
            if (!a.isTextual()) {
                throw new IllegalArgumentException("args must be strings");
            }
            args.add(a.textValue());
        }
        return new Request(o.path("token").textValue(), o.path("op").textValue(), args);
    }

    public static Response decodeResponse(String line) {
        try {
            Map<String, Object> o = FlatJson.parse(line);
            if (!(o.get("exit") instanceof Long exit) || !(o.get("out") instanceof String out)
                    || !(o.get("err") instanceof String err)) {
                return Response.error(1, "malformed answer from carpd");
            }
            return new Response(exit.intValue(), out, err);
        } catch (RuntimeException e) {
            return Response.error(1, "malformed answer from carpd");
        }
    }
}
