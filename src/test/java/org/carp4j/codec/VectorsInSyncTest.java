package org.carp4j.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Our copies of the shared captures (src/test/resources/vectors) equal the originals when present. */
class VectorsInSyncTest {
    @Test
    void copiesMatchShared() throws Exception {
        Path shared = Path.of(System.getProperty("carp4j.root", "."), "..", "shared", "vectors");
        assumeTrue(Files.isDirectory(shared), "no ../shared/vectors beside the checkout");
        List<Path> pcaps;
        try (Stream<Path> s = Files.walk(shared)) {
            pcaps = s.filter(p -> p.toString().endsWith(".pcap")).toList();
        }
        for (Path p : pcaps) {
            String rel = shared.relativize(p).toString();
            try (InputStream in = getClass().getResourceAsStream("/vectors/" + rel)) {
                assertArrayEquals(Files.readAllBytes(p), in == null ? null : in.readAllBytes(), rel);
            }
        }
    }
}
