package org.carp4j.link;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.RawPacketListener;

/**
 * CARP on a real interface through libpcap: immediate mode (no batching delay, unlike ucarp's
 * 1 s poll), a BPF filter for IP protocol 112, inbound only so our own adverts never loop back.
 * A joined 224.0.0.18 / ff02::12 membership makes real NICs (and IGMP-snooping switches) pass
 * the group without promiscuous mode.
 */
public final class PcapLink implements Link {
    static {
        // pcap4j loads "libpcap.so", which only the -dev package provides; fall back to the runtime soname.
        if (System.getProperty("org.pcap4j.core.pcapLibName") == null) {
            findLibpcap().ifPresent(p -> System.setProperty("org.pcap4j.core.pcapLibName", p));
        }
    }

    private final String device;
    private final PcapHandle rx;
    private final PcapHandle tx;
    private final List<DatagramChannel> memberships = new ArrayList<>();
    private final Thread reader;
    private volatile boolean closed;

    public PcapLink(String device, String filter, Receiver receiver) throws IOException {
        this.device = device;
        try {
            rx = new PcapHandle.Builder(device).snaplen(1600)
                    .promiscuousMode(PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(50).immediateMode(true).bufferSize(4 << 20).build();
            rx.setFilter(filter, BpfProgram.BpfCompileMode.OPTIMIZE);
            rx.setDirection(PcapHandle.PcapDirection.IN);
            tx = new PcapHandle.Builder(device).snaplen(64).timeoutMillis(50).build();
        } catch (PcapNativeException | NotOpenException e) {
            throw new IOException(device + ": cannot open for capture: " + e.getMessage(), e);
        }
        join("224.0.0.18", StandardProtocolFamily.INET);
        join("ff02::12", StandardProtocolFamily.INET6);
        reader = new Thread(() -> readLoop(receiver), "pcap-" + device);
        reader.setDaemon(true);
        reader.start();
    }

    private void join(String group, StandardProtocolFamily family) {
        try {
            NetworkInterface nif = NetworkInterface.getByName(device);
            if (nif == null) {
                return;
            }
            DatagramChannel ch = DatagramChannel.open(family);
            ch.join(InetAddress.getByName(group), nif);
            memberships.add(ch);
        } catch (IOException | UnsupportedOperationException e) {
            // IPv6 may be disabled on this interface; IPv4 membership is what matters most
        }
    }

    private void readLoop(Receiver receiver) {
        RawPacketListener listener = frame -> {
            try {
                receiver.frame(device, frame);
            } catch (OutOfMemoryError e) {
                throw e;
            } catch (Throwable e) {
                System.err.println("time=" + java.time.Instant.now() + " level=error event=internal msg=\""
                        + device + ": capture: " + e + "\"");
            }
        };
        while (!closed) {
            try {
                rx.loop(-1, listener); // returns only when close() breaks the loop
            } catch (InterruptedException | NotOpenException e) {
                return;
            } catch (OutOfMemoryError e) {
                throw e; // the process ends (-XX:+ExitOnOutOfMemoryError); no half-alive capture
            } catch (Throwable e) {
                // any other failure, even an Error, must not end the capture: no adverts in, no election
                if (closed) {
                    return;
                }
                try {
                    Thread.sleep(100); // the interface is flapping; keep the thread alive
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @Override
    public void send(byte[] frame) throws IOException {
        try {
            tx.sendPacket(frame);
        } catch (PcapNativeException | NotOpenException e) {
            throw new IOException(device + ": send failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            rx.breakLoop(); // libpcap >= 1.10 also wakes a read blocked without traffic
        } catch (NotOpenException e) {
            // already closed
        }
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reader.isAlive()) {
            // Never block the caller (the daemon's loop) on a stuck capture: finish in the background.
            Thread closer = new Thread(() -> {
                rx.close();
                tx.close();
            }, "pcap-close-" + device);
            closer.setDaemon(true);
            closer.start();
        } else {
            rx.close();
            tx.close();
        }
        for (DatagramChannel ch : memberships) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing a membership cannot fail in a way that matters
            }
        }
    }

    private static java.util.Optional<String> findLibpcap() {
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib")) {
            Path d = Path.of(dir);
            if (Files.exists(d.resolve("libpcap.so"))) {
                return java.util.Optional.empty();
            }
            try (Stream<Path> s = Files.list(d)) {
                var found = s.filter(p -> p.getFileName().toString().startsWith("libpcap.so.")).sorted().findFirst();
                if (found.isPresent()) {
                    return found.map(Path::toString);
                }
            } catch (IOException e) {
                // directory absent on this distribution
            }
        }
        return java.util.Optional.empty();
    }
}
