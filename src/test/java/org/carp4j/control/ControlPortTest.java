package org.carp4j.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ControlPortTest {
    @Test
    void theDefaultIsAPortOnlyRootCanBind() {
        assertTrue(ControlPort.DEFAULT < 600, "below 1024, and below the bindresvport() range");
        assertEquals(Optional.empty(), ControlPort.warning(ControlPort.DEFAULT, 1024));
        assertEquals(Optional.empty(), ControlPort.warning(0, 1024), "a free port no one can know in advance");
    }

    @Test
    void aPortOthersCanBindIsWarnedAbout() {
        assertTrue(ControlPort.warning(17112, 1024).orElseThrow().startsWith("control port 17112 is not below 1024: any local user can bind it"));
        assertTrue(ControlPort.warning(112, 0).orElseThrow().startsWith("net.ipv4.ip_unprivileged_port_start is 0, so any local user can bind control port 112"));
        assertEquals(Optional.empty(), ControlPort.warning(112, 113));
    }

    @Test
    void theSysctlIsReadWhole() throws Exception {
        String cat = org.carp4j.testing.Exec.run("cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start").out().trim();
        assertEquals(Integer.parseInt(cat), ControlPort.unprivilegedStart());
    }

    @Test
    void aFailedBindSaysWhatToDo() {
        assertEquals("cannot listen on 127.0.0.1:17112: Address already in use (another process holds it:"
                + " ss -ltnp 'sport = :17112' names it)", ControlPort.cannotListen(17112, new java.net.BindException("Address already in use")));
        assertEquals("cannot listen on 127.0.0.1:112: Permission denied (a port below 1024 needs root with CAP_NET_BIND_SERVICE)",
                ControlPort.cannotListen(112, new java.net.SocketException("Permission denied")));
    }
}
