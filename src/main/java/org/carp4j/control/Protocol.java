package org.carp4j.control;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The control protocol, version 1: one JSON object per line each way over TCP on 127.0.0.1.
 * <pre>
 * request:  {"v":1,"token":"&lt;hex&gt;","op":"carpconfig"|"carpsysctl"|"names","args":["carp0","vhid","1"]}
 * response: {"v":1,"exit":0,"out":"...","err":"..."}
 * </pre>
 * The daemon runs the command line itself, so a command is checked and applied as one change.
 * Both sides read and write it with Jackson's streaming core alone (no object mapper), which the
 * commands load quickly and which their class-data archive holds.
 */
public final class Protocol {
    public static final int VERSION = 1;
    public static final int MAX_LINE = 64 * 1024;
    public static final List<String> OPS = List.of("carpconfig", "carpsysctl", "names");
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

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

    /** One line of JSON; control characters are escaped, so it never holds a newline. */
    public static String encode(Request r) {
        return write(g -> {
            g.writeNumberField("v", VERSION);
            g.writeStringField("token", r.token());
            g.writeStringField("op", r.op());
            g.writeArrayFieldStart("args");
            for (String a : r.args()) {
                g.writeString(a);
            }
            g.writeEndArray();
        });
    }

    public static String encode(Response r) {
        return write(g -> {
            g.writeNumberField("v", VERSION);
            g.writeNumberField("exit", r.exit());
            g.writeStringField("out", r.out());
            g.writeStringField("err", r.err());
        });
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(Fields fields) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return w.toString();
    }

    /** The members of one flat object, as far as they have the expected types (else null). */
    private static final class Members {
        Integer v;
        Integer exit;
        String token;
        String op;
        String out;
        String err;
        List<String> args;
        boolean argsNotStrings;
    }

    /** Reads one object; throws IOException if the text is not exactly one JSON object. */
    private static Members read(String line) throws IOException {
        Members m = new Members();
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new NotAnObject();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "v" -> m.v = integer(p, t);
                    case "exit" -> m.exit = integer(p, t);
                    case "token" -> m.token = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "op" -> m.op = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "out" -> m.out = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "err" -> m.err = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "args" -> {
                        if (t == JsonToken.START_ARRAY) {
                            m.args = new ArrayList<>();
                            for (JsonToken a = p.nextToken(); a != JsonToken.END_ARRAY; a = p.nextToken()) {
                                if (a == JsonToken.VALUE_STRING) {
                                    m.args.add(p.getText());
                                } else {
                                    m.argsNotStrings = true;
                                    p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren(); // a member a later version may add
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IOException("not one JSON object");
            }
        }
        return m;
    }

    private static Integer integer(JsonParser p, JsonToken t) throws IOException {
        return t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT ? p.getIntValue() : null;
    }

    private static final class NotAnObject extends IOException {
        NotAnObject() {
            super("not a JSON object");
        }
    }

    /** Parses a request line; any deviation from the format is an IllegalArgumentException. */
    public static Request decodeRequest(String line) {
        Members o;
        try {
            o = read(line);
        } catch (NotAnObject e) {
            throw new IllegalArgumentException("request is not a JSON object");
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("request is not JSON");
        }
        if (o.v == null || o.v != VERSION) {
            throw new IllegalArgumentException("unsupported protocol version (this carpd speaks " + VERSION + ")");
        }
        if (o.token == null || o.op == null || o.args == null) {
            throw new IllegalArgumentException("request needs token, op and args");
        }
        if (o.argsNotStrings) {
            throw new IllegalArgumentException("args must be strings");
        }
        return new Request(o.token, o.op, List.copyOf(o.args));
    }

    public static Response decodeResponse(String line) {
        try {
            Members o = read(line);
            if (o.exit == null || o.out == null || o.err == null) {
                return Response.error(ExitCode.REFUSED, "malformed answer from carpd");
            }
            return new Response(o.exit, o.out, o.err);
        } catch (IOException | RuntimeException e) {
            return Response.error(ExitCode.REFUSED, "malformed answer from carpd");
        }
    }
}
