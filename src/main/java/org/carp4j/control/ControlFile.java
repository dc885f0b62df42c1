package org.carp4j.control;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Where the control port is and the credential that opens it: the file "control" in the state
 * directory, mode 0600, written by carpd at start ("port token"). Only a user who can read it (root)
 * can drive the daemon.
 */
public record ControlFile(int port, String token) {
    public static final String NAME = "control";

    public static ControlFile fresh(int port) {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return new ControlFile(port, HexFormat.of().formatHex(b));
    }

    public void write(Path stateDir) throws IOException {
        Path tmp = stateDir.resolve(NAME + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, port + " " + token + "\n");
        Files.move(tmp, stateDir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Null when there is no control file (no daemon has run with this state directory). */
    public static ControlFile read(Path stateDir) throws IOException {
        String s;
        try {
            s = Files.readString(stateDir.resolve(NAME), StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return null;
        }
        String[] parts = s.split(" ");
        if (parts.length != 2 || !parts[0].matches("[0-9]{1,5}")) {
            throw new IOException(stateDir.resolve(NAME) + ": malformed control file");
        }
        return new ControlFile(Integer.parseInt(parts[0]), parts[1]);
    }

    public static void remove(Path stateDir) {
        try {
            Files.deleteIfExists(stateDir.resolve(NAME));
        } catch (IOException e) {
            // a stale control file only makes clients try a port nobody listens on
        }
    }
}
