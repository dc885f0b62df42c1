package org.carp4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.carp4j.control.ControlClient;
import org.carp4j.control.ControlFile;
import org.carp4j.control.Protocol;

/**
 * The fixed training run the build records the commands' AppCDS archive from
 * (`bin/carp4j-java train ARCHIVE`): carpconfig and carpsysctl, each a display and a change, through
 * the same code the commands run, against a stand-in for carpd on a loopback port. A stand-in, not
 * carpd: the build needs no root, no network namespace and no running daemon, and the commands'
 * side of the protocol is all the archive holds.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getenv("CARPD_STATE_DIR") == null) {
            // it writes a control file there: never into the real daemon's directory
            System.err.println("CdsTraining: set CARPD_STATE_DIR to a scratch directory");
            System.exit(64);
        }
        // the command classes as the launcher loads them
        Class.forName(CarpConfigCommand.class.getName());
        Class.forName(CarpSysctlCommand.class.getName());
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread standIn = new Thread(() -> answer(server), "carpd-stand-in");
            standIn.setDaemon(true);
            standIn.start();
            new ControlFile(server.getLocalPort(), "training").write(ControlClient.defaultStateDir());
            Remote.run("carpconfig", "carpconfig", List.of("-a"), sink, sink);
            Remote.run("carpconfig", "carpconfig", List.of("carp0", "advskew", "100"), sink, sink);
            Remote.run("carpsysctl", "carpsysctl", List.of("net.inet.carp.preempt"), sink, sink);
            Remote.run("carpsysctl", "carpsysctl", List.of("-w", "net.inet.carp.preempt=1"), sink, sink);
        } finally {
            ControlFile.remove(ControlClient.defaultStateDir());
        }
        // A build that is not root gets the stand-in refused before the request is sent (only root's
        // port gets the credential): the codec still belongs in the archive.
        Protocol.decodeResponse(Protocol.encode(Protocol.Response.ok("carp0: flags=8843")));
        Protocol.encode(new Protocol.Request("training", "carpconfig", List.of("-a")));
    }

    /** Answers every request the way carpd answers a display or a change. */
    private static void answer(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                Protocol.Request r = Protocol.decodeRequest(line == null ? "" : line);
                String out = r.args().contains("-w") ? "net.inet.carp.preempt: 0 -> 1\n"
                        : "carp0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n"
                        + "        carp: MASTER carpdev em0 vhid 1 advbase 1 advskew 100\n"
                        + "        inet 10.0.0.1 netmask 0xffffff00 broadcast 10.0.0.255\n";
                s.getOutputStream().write((Protocol.encode(Protocol.Response.ok(out)) + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                // the stand-in's own trouble only makes the archive smaller; the commands still work
            }
        }
    }
}
