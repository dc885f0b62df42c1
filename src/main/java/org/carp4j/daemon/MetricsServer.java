package org.carp4j.daemon;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * GET /metrics on 127.0.0.1, for a Prometheus on the same host (or a local agent that forwards).
 * Anyone on the host can connect, so no client can hold it: each connection is read on a thread of
 * its own, up to {@value #MAX_CONNECTIONS} connections (the JDK's default reads them all on the one
 * thread that also accepts, so one silent client stopped every scrape), and a connection that has
 * not sent its whole request within {@value #REQUEST_SECONDS} s is closed.
 */
final class MetricsServer {
    static final String PATH = "/metrics";
    static final int MAX_CONNECTIONS = 64;
    static final int REQUEST_SECONDS = 5;

    private MetricsServer() {
    }

    static {
        // read once, when the JDK's server class loads: set them before the first server is made
        setDefault("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_SECONDS));
        setDefault("sun.net.httpserver.maxRspTime", "10");
        setDefault("sun.net.httpserver.idleInterval", "10");
        setDefault("sun.net.httpserver.clockTick", "1000");
        setDefault("sun.net.httpserver.timerMillis", "500");
        // a flood of connections cannot use up carpd's files or threads
        setDefault("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    static HttpServer start(int port, Callable<String> page) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        // threads come and go with the connections; a task over the limit is dropped, and its
        // connection closed by the request timer
        ExecutorService threads = new ThreadPoolExecutor(0, MAX_CONNECTIONS, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "metrics");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.DiscardPolicy());
        http.setExecutor(threads);
        http.createContext("/", exchange -> {
            try (exchange) {
                serve(exchange, page);
            }
        });
        http.start();
        return http; // the threads are daemons: they end with carpd
    }

    private static void serve(HttpExchange exchange, Callable<String> page) throws IOException {
        if (!exchange.getRequestURI().getPath().equals(PATH)) {
            exchange.sendResponseHeaders(404, -1);
            return;
        }
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
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
        if (method.equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
