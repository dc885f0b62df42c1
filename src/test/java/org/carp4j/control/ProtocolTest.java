package org.carp4j.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One codec for both sides of the control protocol. */
class ProtocolTest {
    @Test
    void aRequestIsOneLineAndComesBackAsItWent() {
        Protocol.Request r = new Protocol.Request("ab12", "carpconfig",
                List.of("carp0", "pass", "quote\" back\\slash\nnewline\ttab\u0001 \u00e9t\u00e9 \u2028", ""));
        String line = Protocol.encode(r);
        assertFalse(line.contains("\n") || line.contains("\r"), line);
        assertEquals("{\"v\":1,\"token\":\"ab12\",\"op\":\"carpconfig\",\"args\":[\"carp0\",\"pass\","
                + "\"quote\\\" back\\\\slash\\nnewline\\ttab\\u0001 \u00e9t\u00e9 \u2028\",\"\"]}", line);
        assertEquals(r, Protocol.decodeRequest(line));
    }

    @Test
    void aResponseComesBackAsItWent() {
        Protocol.Response r = new Protocol.Response(75, "two\nlines\n", "carpd is \"busy\"");
        assertEquals("{\"v\":1,\"exit\":75,\"out\":\"two\\nlines\\n\",\"err\":\"carpd is \\\"busy\\\"\"}", Protocol.encode(r));
        assertEquals(r, Protocol.decodeResponse(Protocol.encode(r)));
        assertEquals(r, Protocol.decodeResponse("{\"exit\":75,\"later\":{\"x\":[1]},\"out\":\"two\\nlines\\n\",\"err\":\"carpd is \\\"busy\\\"\",\"v\":1}"),
                "members in any order, unknown ones skipped");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "this is not json|request is not JSON",
        "{\"v\":1,\"token\":\"t\"|request is not JSON",
        "{\"v\":1,\"token\":\"t\",\"op\":\"names\",\"args\":[]} {}|request is not JSON",
        "{\"v\":1,\"v\":1,\"token\":\"t\",\"op\":\"names\",\"args\":[]}|request is not JSON",
        "[1,2]|request is not a JSON object",
        "\"carpconfig\"|request is not a JSON object",
        "{\"v\":99,\"token\":\"t\",\"op\":\"names\",\"args\":[]}|unsupported protocol version (this carpd speaks 1)",
        "{\"v\":\"1\",\"token\":\"t\",\"op\":\"names\",\"args\":[]}|unsupported protocol version (this carpd speaks 1)",
        "{\"v\":1.0,\"token\":\"t\",\"op\":\"names\",\"args\":[]}|unsupported protocol version (this carpd speaks 1)",
        "{\"token\":\"t\",\"op\":\"names\",\"args\":[]}|unsupported protocol version (this carpd speaks 1)",
        "{\"v\":1,\"op\":\"names\",\"args\":[]}|request needs token, op and args",
        "{\"v\":1,\"token\":5,\"op\":\"names\",\"args\":[]}|request needs token, op and args",
        "{\"v\":1,\"token\":\"t\",\"op\":\"names\",\"args\":\"carp0\"}|request needs token, op and args",
        "{\"v\":1,\"token\":\"t\",\"op\":\"carpconfig\",\"args\":[1,2]}|args must be strings",
        "{\"v\":1,\"token\":\"t\",\"op\":\"carpconfig\",\"args\":[\"carp0\",[\"x\"]]}|args must be strings",
    })
    void anyOtherRequestIsRefusedWithAReason(String line, String why) {
        assertEquals(why, assertThrows(IllegalArgumentException.class, () -> Protocol.decodeRequest(line)).getMessage());
    }

    @Test
    void aBadAnswerIsReportedNotThrown() {
        for (String line : new String[] {"", "garbage", "{\"exit\":\"0\",\"out\":\"\",\"err\":\"\"}", "{\"exit\":0,\"out\":\"\"}", "[]"}) {
            assertEquals(new Protocol.Response(1, "", "malformed answer from carpd"), Protocol.decodeResponse(line), line);
        }
    }
}
