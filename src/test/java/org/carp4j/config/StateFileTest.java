package org.carp4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFileTest {
    private final StateDocument doc = new StateDocument(new Sysctls(1, 1, 0, 0), 2, List.of(
            new VhostConfig("carp0", 1, "lanpasswd", "em0", 1, 100, List.of(VipAddress.parse("10.0.0.1/24")), true),
            new VhostConfig("carp1", 2, "", null, 3, 0,
                    List.of(VipAddress.parse("192.0.2.100/24"), VipAddress.parse("2001:db8::1/64")), false)));

    @Test
    void savesAtomicallyWithMode0600AndLoadsTheSame(@TempDir Path dir) throws Exception {
        StateFile f = new StateFile(dir);
        assertEquals(StateDocument.EMPTY, f.load(), "no file yet: empty configuration");
        f.save(doc);
        assertEquals(doc, f.load());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.path())));
        assertTrue(Files.notExists(dir.resolve("carpd.json.tmp")));
    }

    /** Durable and atomic: the new bytes reach the disk before the rename, and the rename before save returns. */
    @Test
    void theSaveIsWriteFsyncRenameThenFsyncOfTheDirectory(@TempDir Path dir) throws Exception {
        List<String> record = new java.util.ArrayList<>();
        new StateFile(dir, new org.carp4j.testing.RecordingDisk(record)).save(doc);
        assertEquals(List.of("create carpd.json.tmp", "write carpd.json.tmp", "fsync carpd.json.tmp",
                "close carpd.json.tmp", "rename carpd.json.tmp carpd.json", "fsync-dir " + dir.getFileName()), record);
        assertEquals(doc, new StateFile(dir).load());
    }

    @Test
    void aLinkPlantedAtTheTemporaryPathIsNeverFollowed(@TempDir Path dir) throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "precious\n");
        Files.createSymbolicLink(dir.resolve("carpd.json.tmp"), victim);
        Path dangling = dir.resolve("would-be-created");
        StateFile f = new StateFile(dir);
        f.save(doc);
        assertEquals("precious\n", Files.readString(victim), "the link's target is neither written nor truncated");
        assertEquals(doc, f.load());
        assertTrue(!Files.isSymbolicLink(f.path()), "carpd.json is a file of its own, not the planted link");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.path())));

        Files.createSymbolicLink(dir.resolve("carpd.json.tmp"), dangling);
        f.save(doc);
        assertTrue(Files.notExists(dangling, java.nio.file.LinkOption.NOFOLLOW_LINKS), "nothing created through a link");
    }

    @Test
    void everyProblemIsReportedWithItsPath() {
        String json = """
                {"version": 1, "sysctl": {"preempt": 5, "bogus": 1},
                 "interfaces": [ {"name": "carp0", "vhid": "one", "advskew": 255, "addresses": ["10.0.0.1"]},
                                 {"name": "eth0", "extra": true} ] }""";
        var e = assertThrows(StateFile.InvalidStateException.class,
                () -> StateFile.parse(Path.of("x.json"), json.getBytes()));
        assertEquals(List.of(
                "sysctl.bogus: unknown key",
                "interfaces[0].vhid: expected an integer",
                "interfaces[0].addresses[0]: missing /prefix in 10.0.0.1",
                "interfaces[1].extra: unknown key"), e.problems());
    }

    @Test
    void rangesAreCheckedOnceTheShapeIsRight() {
        String json = """
                {"version": 1, "sysctl": {"preempt": 5},
                 "interfaces": [ {"name": "carp0", "vhid": 300, "advskew": 255, "pass": "abcdefghijklmnopqrstu"} ] }""";
        var e = assertThrows(StateFile.InvalidStateException.class,
                () -> StateFile.parse(Path.of("x.json"), json.getBytes()));
        assertEquals(List.of("sysctl.preempt: 5 out of range 0..1", "interfaces[0].vhid: 300 out of range 0..255",
                "interfaces[0].advskew: 255 out of range 0..254", "interfaces[0].pass: longer than 19 characters"),
                e.problems());
    }

    /** advbase 0 is OpenBSD's sub-second mode; only advskew 0 with it (no interval at all) is refused. */
    @Test
    void advbaseZeroNeedsASkew(@TempDir Path dir) throws Exception {
        StateFile f = new StateFile(dir);
        StateDocument sub = doc.with(doc.interfaces().get(0).withAdvbase(0).withAdvskew(8));
        f.save(sub);
        assertEquals(sub, f.load());
        String json = """
                {"version": 1, "interfaces": [ {"name": "carp0", "vhid": 1, "advbase": 0, "advskew": 0} ] }""";
        var e = assertThrows(StateFile.InvalidStateException.class,
                () -> StateFile.parse(Path.of("x.json"), json.getBytes()));
        assertEquals(List.of("interfaces[0].advskew: advbase 0 with advskew 0: no interval (advbase 0 needs advskew 1 to 254)"),
                e.problems());
    }

    @Test
    void carppeerIsSavedOnlyWhenSetAndChecked(@TempDir Path dir) throws Exception {
        StateFile f = new StateFile(dir);
        StateDocument withPeer = doc.with(doc.interfaces().get(0).withPeer(VipAddress.Inet.parseLiteral("10.0.0.3")));
        f.save(withPeer);
        assertEquals(withPeer, f.load());
        assertTrue(Files.readString(f.path()).contains("\"carppeer\" : \"10.0.0.3\""));
        f.save(doc);
        assertTrue(!Files.readString(f.path()).contains("carppeer"), "files without peers stay as before");

        String json = """
                {"version": 1, "interfaces": [
                  {"name": "carp0", "vhid": 1, "carppeer": "224.0.0.18"},
                  {"name": "carp5", "vhid": 6, "carppeer": "239.0.0.1"},
                  {"name": "carp1", "vhid": 2, "carppeer": "fe80::1"},
                  {"name": "carp2", "vhid": 3, "carppeer": "peer"},
                  {"name": "carp3", "vhid": 4, "carppeer": "10.0.0.1", "addresses": ["10.0.0.1/24"]},
                  {"name": "carp4", "vhid": 5, "carppeer": null} ] }""";
        var e = assertThrows(StateFile.InvalidStateException.class,
                () -> StateFile.parse(Path.of("x.json"), json.getBytes()));
        assertEquals(List.of("interfaces[3].carppeer: not a numeric address: peer"), e.problems());
        String ranges = json.replace("\"peer\"", "\"10.0.0.9\"");
        e = assertThrows(StateFile.InvalidStateException.class,
                () -> StateFile.parse(Path.of("x.json"), ranges.getBytes()));
        assertEquals(List.of(
                "interfaces[1].carppeer: 239.0.0.1: not a unicast address (224.0.0.18, the default, is the only group)",
                "interfaces[2].carppeer: fe80::1: only IPv4 addresses supported for the carppeer",
                "interfaces[4].carppeer: 10.0.0.1 is an address of carp3 itself"), e.problems());
    }

    @Test
    void truncatedAndWrongVersionFilesAreRefused() {
        assertTrue(assertThrows(StateFile.InvalidStateException.class,
                () -> StateFile.parse(Path.of("x"), "{\"version\": 1, \"interf".getBytes())).getMessage().contains("not valid JSON"));
        assertEquals(List.of("version: 2 is not a format this carpd reads (expected 1)"), assertThrows(
                StateFile.InvalidStateException.class, () -> StateFile.parse(Path.of("x"), "{\"version\": 2}".getBytes())).problems());
        assertThrows(StateFile.InvalidStateException.class, () -> StateFile.parse(Path.of("x"), "[]".getBytes()));
        assertThrows(StateFile.InvalidStateException.class, () -> StateFile.parse(Path.of("x"), "{} {}".getBytes()));
    }
}
