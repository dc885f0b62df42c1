package org.carp4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The carpdev's ARP sysctls: changed while a carp interface uses it, put back as the admin had
 * them when the last one goes, and after a kill -9 from the file the next run (or the guard) reads.
 */
class CarpdevSysctlsTest {
    @TempDir
    Path proc;
    @TempDir
    Path state;

    private void admin(String dev, String ignore, String announce) throws Exception {
        Path conf = Files.createDirectories(proc.resolve("net/ipv4/conf/" + dev));
        Files.writeString(conf.resolve("arp_ignore"), ignore + "\n");
        Files.writeString(conf.resolve("arp_announce"), announce + "\n");
    }

    private String read(String dev, String knob) throws Exception {
        return Files.readString(proc.resolve("net/ipv4/conf/" + dev + "/" + knob)).trim();
    }

    @Test
    void theLastCarpInterfaceOfACarpdevGivesItBackItsValues() throws Exception {
        admin("em0", "0", "0");
        Path file = state.resolve(CarpdevSysctls.FILE);
        CarpdevSysctls s = new CarpdevSysctls(proc, file);
        s.tune("carp0", "em0");
        s.tune("carp1", "em0");
        assertEquals("1", read("em0", "arp_ignore"));
        assertEquals("2", read("em0", "arp_announce"));
        assertEquals(List.of("net/ipv4/conf/em0/arp_announce 0", "net/ipv4/conf/em0/arp_ignore 0"),
                Files.readAllLines(file).stream().sorted().toList(), "kept for a kill -9");

        s.release("carp0");
        assertEquals("1", read("em0", "arp_ignore"), "carp1 still needs them");
        s.release("carp1");
        assertEquals("0", read("em0", "arp_ignore"));
        assertEquals("0", read("em0", "arp_announce"));
        assertFalse(Files.exists(file), "nothing left to put back");
    }

    @Test
    void anAdminsOwnValueIsKeptAndOnlyWhatCarpdChangedIsPutBack() throws Exception {
        admin("em0", "1", "1"); // arp_ignore already as carpd wants it
        CarpdevSysctls s = new CarpdevSysctls(proc, state.resolve(CarpdevSysctls.FILE));
        s.tune("carp0", "em0");
        Files.writeString(proc.resolve("net/ipv4/conf/em0/arp_ignore"), "1"); // unchanged
        s.release("carp0");
        assertEquals("1", read("em0", "arp_ignore"));
        assertEquals("1", read("em0", "arp_announce"));
    }

    @Test
    void aCarpdevChangeGivesTheOldCarpdevBackItsValues() throws Exception {
        admin("em0", "0", "0");
        admin("em1", "0", "0");
        CarpdevSysctls s = new CarpdevSysctls(proc, null);
        s.tune("carp0", "em0");
        s.tune("carp0", "em1");
        assertEquals("0", read("em0", "arp_ignore"));
        assertEquals("1", read("em1", "arp_ignore"));
    }

    @Test
    void afterAKillTheNextRunPutsBackTheValuesBeforeTheFirstCarpdNotItsOwn() throws Exception {
        admin("em0", "0", "0");
        Path file = state.resolve(CarpdevSysctls.FILE);
        new CarpdevSysctls(proc, file).tune("carp0", "em0"); // then kill -9: nothing released

        CarpdevSysctls next = new CarpdevSysctls(proc, file);
        next.tune("carp0", "em0"); // reads 1 and 2 now: those are carpd's, not the admin's
        next.release("carp0");
        assertEquals("0", read("em0", "arp_ignore"));
        assertEquals("0", read("em0", "arp_announce"));

        new CarpdevSysctls(proc, file).tune("carp0", "em0");
        List<String> restored = new CarpdevSysctls(proc, file).restoreAll(); // carpd --cleanup
        assertEquals(List.of("net.ipv4.conf.em0.arp_announce=0", "net.ipv4.conf.em0.arp_ignore=0"),
                restored.stream().sorted().toList());
        assertEquals("0", read("em0", "arp_ignore"));
        assertFalse(Files.exists(file));
        assertTrue(new CarpdevSysctls(proc, file).restoreAll().isEmpty(), "a second cleanup finds nothing");
    }

    @Test
    void aForgedLineInTheFileWritesNothingOutsideTheCarpdevsArpKnobs() throws Exception {
        admin("em0", "0", "0");
        Files.createDirectories(proc.resolve("kernel"));
        Files.writeString(proc.resolve("kernel/panic"), "0");
        Path file = state.resolve(CarpdevSysctls.FILE);
        Files.writeString(file, "kernel/panic 1\nnet/ipv4/conf/../../../kernel/panic 1\nnet/ipv4/conf/em0/arp_ignore x\n");
        assertTrue(new CarpdevSysctls(proc, file).restoreAll().isEmpty());
        assertEquals("0", Files.readString(proc.resolve("kernel/panic")));
        assertEquals("0", read("em0", "arp_ignore"));
    }
}
