package org.carp4j.link;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A pcap filter expression compiled by libpcap into classic BPF for Ethernet, ready for
 * SO_ATTACH_FILTER (a struct bpf_insn is a struct sock_filter). libpcap only compiles here; it
 * never opens the interface.
 */
final class Bpf {
    private static final int DLT_EN10MB = 1;
    private static final int SNAPLEN = 65535;
    private static final int NETMASK_UNKNOWN = 0xffffffff;
    private static final int INSN = 8;

    /** libpcap, mapped directly (no per-call reflection). */
    private static final class Pcap {
        static {
            Native.register(NativeLibrary.getInstance(libpcap()));
        }

        static native Pointer pcap_open_dead(int linktype, int snaplen);

        static native int pcap_compile(Pointer p, Pointer program, String expression, int optimize, int netmask);

        static native String pcap_geterr(Pointer p);

        static native void pcap_freecode(Pointer program);

        static native void pcap_close(Pointer p);

        static native int pcap_offline_filter(Pointer program, Pointer header, byte[] packet);
    }

    private final String expression;
    private final int length;
    private final Memory insns;
    /** struct sock_fprog { unsigned short len; struct sock_filter *filter; }, pointer-aligned. */
    private final Memory fprog;

    private Bpf(String expression, int length, Memory insns) {
        this.expression = expression;
        this.length = length;
        this.insns = insns;
        fprog = new Memory(2L * Native.POINTER_SIZE);
        fprog.clear();
        fprog.setShort(0, (short) length);
        fprog.setPointer(Native.POINTER_SIZE, insns);
    }

    static Bpf compile(String expression) throws IOException {
        Pointer dead;
        try {
            dead = Pcap.pcap_open_dead(DLT_EN10MB, SNAPLEN);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new IOException("cannot load libpcap: " + e.getMessage(), e);
        }
        if (dead == null) {
            throw new IOException("pcap_open_dead failed");
        }
        Memory program = new Memory(2L * Native.POINTER_SIZE); // struct bpf_program { u_int len; insn *insns; }
        program.clear();
        try {
            if (Pcap.pcap_compile(dead, program, expression, 1, NETMASK_UNKNOWN) != 0) {
                throw new IOException("cannot compile filter \"" + expression + "\": " + Pcap.pcap_geterr(dead));
            }
            int n = program.getInt(0);
            Memory copy = new Memory((long) n * INSN);
            copy.write(0, program.getPointer(Native.POINTER_SIZE).getByteArray(0, n * INSN), 0, n * INSN);
            Pcap.pcap_freecode(program);
            return new Bpf(expression, n, copy);
        } finally {
            Pcap.pcap_close(dead);
        }
    }

    String expression() {
        return expression;
    }

    int instructions() {
        return length;
    }

    /** The struct sock_fprog to hand to SO_ATTACH_FILTER. */
    Pointer fprog() {
        return fprog;
    }

    /** Whether the kernel would pass this frame (libpcap runs the same program in userland). */
    boolean accepts(byte[] frame) {
        Memory program = new Memory(2L * Native.POINTER_SIZE);
        program.clear();
        program.setInt(0, length);
        program.setPointer(Native.POINTER_SIZE, insns);
        Memory header = new Memory(2L * 8 + 8); // struct pcap_pkthdr { timeval ts; u32 caplen; u32 len; }
        header.clear();
        header.setInt(16, frame.length);
        header.setInt(20, frame.length);
        return Pcap.pcap_offline_filter(program, header, frame) != 0;
    }

    /** pcap's soname: "libpcap.so" comes only with the -dev package, so fall back to the runtime one. */
    static String libpcap() {
        String configured = System.getProperty("org.pcap4j.core.pcapLibName");
        if (configured != null) {
            return configured;
        }
        return find().orElse("pcap");
    }

    private static Optional<String> find() {
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib")) {
            Path d = Path.of(dir);
            if (Files.exists(d.resolve("libpcap.so"))) {
                return Optional.of(d.resolve("libpcap.so").toString());
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
        return Optional.empty();
    }
}
