package org.carp4j.daemon;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** GET /metrics on 127.0.0.1, for a Prometheus on the same host (or a local agent that forwards). */
final class MetricsServer {
    private MetricsServer() {
    }

    static HttpServer start(int port, Callable<String> page) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        http.createContext("/metrics", exchange -> {
            try (exchange) {
                if (!exchange.getRequestMethod().equals("GET")) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                byte[] body;
                int status = 200;
                try {
                    body = page.call().getBytes(StandardCharsets.UTF_8);
                } catch (Exception e) {
                    body = ("# carpd could not answer: " + e + "\n").getBytes(StandardCharsets.UTF_8);
                    status = 503;
                }
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(status, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        http.start();
        return http;
    }
}
