package org.carp4j.daemon;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * carpd's signals. HUP re-reads the state file (see {@link Reload}); TERM, INT and every other
 * signal whose default action would end the JVM without its shutdown (USR1, ALRM, ...) stop
 * carpd cleanly, masters bowing out. QUIT stays the JVM's thread dump, PIPE and XFSZ are ignored
 * by the JVM, and the signals the JVM itself relies on are left alone: SEGV, BUS, FPE, ILL, TRAP,
 * and USR2, HotSpot's thread suspend/resume signal (JFR's sampler sends it to threads; taking it
 * over would make a JFR recording stop carpd).
 */
final class Signals {
    static final List<String> STOP = List.of("TERM", "INT", "USR1", "ALRM", "VTALRM", "PROF", "IO",
            "PWR", "STKFLT", "XCPU");

    private Signals() {
    }

    /** Until {@link #install}: a SIGHUP while carpd starts (a closing terminal) is logged and ignored. */
    static void ignoreHangup(Log log) {
        handle("HUP", s -> log.info("signal", "SIGHUP while starting: ignored"));
    }

    static void install(Log log, Runnable stop, Runnable reload) {
        AtomicBoolean stopping = new AtomicBoolean();
        for (String name : STOP) {
            handle(name, s -> {
                log.info("signal", "SIG" + name + ": stopping");
                if (stopping.compareAndSet(false, true)) {
                    new Thread(stop, "carpd-stop").start();
                }
            });
        }
        handle("HUP", s -> {
            log.info("signal", "SIGHUP: re-reading the state file");
            reload.run();
        });
    }

    private static void handle(String name, sun.misc.SignalHandler h) {
        try {
            Signal.handle(new Signal(name), h);
        } catch (IllegalArgumentException e) {
            // not a signal on this platform, or the JVM's own: its default stays
        }
    }
}
