package org.carp4j.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

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
    static final ObjectMapper JSON = new ObjectMapper();

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
        ObjectNode o = JSON.createObjectNode();
        o.put("v", VERSION).put("token", r.token()).put("op", r.op());
        var a = o.putArray("args");
        r.args().forEach(a::add);
        return o.toString();
    }

    public static String encode(Response r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("v", VERSION).put("exit", r.exit()).put("out", r.out()).put("err", r.err());
        return o.toString();
    }

    /** Parses a request line; any deviation from the format is an IllegalArgumentException. */
    public static Request decodeRequest(String line) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
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
            JsonNode o = JSON.readTree(line);
            return new Response(o.path("exit").asInt(1), o.path("out").asText(""), o.path("err").asText(""));
        } catch (Exception e) {
            return Response.error(1, "malformed answer from carpd");
        }
    }
}
