package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The metrics endpoint: exactly /metrics, and no client can hold it. */
class MetricsServerTest {
    private HttpServer server;
    private final List<Socket> abusive = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = MetricsServer.start(0, () -> "carp_up 1\n");
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : abusive) {
            s.close();
        }
        server.stop(0);
    }

    private Socket connect() throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort());
    }

    /** The whole answer to one HTTP/1.0 request. */
    private String ask(String method, String path) throws IOException {
        try (Socket s = connect()) {
            s.setSoTimeout(5000);
            s.getOutputStream().write((method + " " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void servesExactlyMetrics() throws Exception {
        String page = ask("GET", "/metrics");
        assertTrue(page.startsWith("HTTP/1.1 200 OK") && page.endsWith("\r\n\r\ncarp_up 1\n"), page);
        assertTrue(ask("GET", "/metrics?name=carp_up").startsWith("HTTP/1.1 200"), "a query does not change the path");
        for (String path : List.of("/", "/metrics/x", "/metricsfoo", "/metrics/", "/favicon.ico")) {
            assertTrue(ask("GET", path).startsWith("HTTP/1.1 404"), path);
        }
        String post = ask("POST", "/metrics");
        assertTrue(post.startsWith("HTTP/1.1 405") && post.contains("Allow: GET, HEAD"), post);
        assertTrue(ask("DELETE", "/metrics").startsWith("HTTP/1.1 405"));
        String head = ask("HEAD", "/metrics");
        assertTrue(head.startsWith("HTTP/1.1 200") && head.endsWith("\r\n\r\n"), "headers only: " + head);
    }

    @Test
    void silentAndSlowClientsDoNotHoldIt() throws Exception {
        for (int i = 0; i < 8; i++) {
            abusive.add(connect()); // connects and says nothing
            Socket slow = connect(); // a request begun and never finished
            slow.getOutputStream().write("GET /metrics HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            abusive.add(slow);
        }
        Thread dribble = new Thread(() -> { // one byte every 100 ms on one of them
            try {
                OutputStream out = abusive.get(1).getOutputStream();
                for (int i = 0; i < 300; i++) {
                    out.write('a');
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException e) {
                // cut off by the server, as it should be
            }
        });
        dribble.setDaemon(true);
        dribble.start();
        assertTimeoutPreemptively(Duration.ofSeconds(3), () -> {
            assertTrue(ask("GET", "/metrics").endsWith("carp_up 1\n"));
        }, "a scrape is answered while they hang on");
        // and the server drops them once the request time is over
        for (Socket s : abusive) {
            assertTrue(closedWithin(s, Duration.ofSeconds(MetricsServer.REQUEST_SECONDS + 10)), "still open: " + s);
        }
        assertTrue(ask("GET", "/metrics").endsWith("carp_up 1\n"));
    }

    private static boolean closedWithin(Socket s, Duration limit) throws IOException {
        s.setSoTimeout((int) limit.toMillis());
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // an error page, if any, then the end
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }
}
