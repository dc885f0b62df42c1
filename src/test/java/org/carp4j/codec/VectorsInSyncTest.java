package org.carp4j.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The captures the tests read (src/test/resources/vectors) are exactly those the committed manifest
 * vectors/SHA256SUMS names, byte for byte, in every run; and the shared originals, where a checkout
 * has them beside it (../shared/vectors), are those same bytes. A fresh clone without the shared
 * folder still checks our copies, so the test never has a reason to skip.
 */
class VectorsInSyncTest {
    private static final Path ROOT = Path.of(System.getProperty("carp4j.root", "."));

    /** "hash  path" lines, as sha256sum writes them (check by hand: cd src/test/resources/vectors; sha256sum -c SHA256SUMS). */
    private static Map<String, String> manifest() throws IOException {
        try (InputStream in = VectorsInSyncTest.class.getResourceAsStream("/vectors/SHA256SUMS")) {
            assertNotNull(in, "vectors/SHA256SUMS is committed beside the captures");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank())
                    .collect(Collectors.toMap(l -> l.substring(66), l -> l.substring(0, 64), (a, b) -> a, TreeMap::new));
        }
    }

    /** Every .pcap under dir, by its path relative to dir, with its SHA-256. */
    private static Map<String, String> captures(Path dir) throws IOException {
        Map<String, String> hashes = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".pcap")).toList()) {
                hashes.put(dir.relativize(p).toString(), sha256(Files.readAllBytes(p)));
            }
        }
        return hashes;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void ourCopiesAreExactlyTheManifests() throws Exception {
        assertEquals(manifest(), captures(ROOT.resolve("src/test/resources/vectors")));
    }

    @Test
    void theSharedOriginalsWhereTheyAreBesideTheCheckoutAreTheManifests() throws Exception {
        Path shared = ROOT.resolve("../shared/vectors").normalize();
        if (!Files.isDirectory(shared)) {
            System.out.println("VectorsInSyncTest: no " + shared + "; our copies were checked against the manifest");
            return;
        }
        Map<String, String> manifest = manifest();
        captures(shared).forEach((name, hash) -> assertEquals(hash, manifest.get(name), shared.resolve(name)
                + (manifest.containsKey(name) ? " differs from our copy" : " is not among our copies")));
    }
}
