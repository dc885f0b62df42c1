package org.carp4j.host;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** carpd runs ip as root: by its absolute path, never whatever PATH finds first. */
class IpCommandHostTest {
    @Test
    void ipIsRunByAnAbsolutePath() {
        assertTrue(IpCommandHost.IP.startsWith("/"), IpCommandHost.IP);
        assertTrue(Files.isExecutable(Path.of(IpCommandHost.IP)), IpCommandHost.IP + " (iproute2 is installed)");
    }
}
