package org.carp4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.carp4j.lab.Lab;

/** Starting what the benchmarks compare, beyond what Lab does: carpd with JVM options, keepalived. */
final class Daemons {
    private Daemons() {
    }

    /**
     * bin/carpd in h with extra JVM options (CARPD_JAVA_OPTS) and a nice value, logging to its own file; ready when
     * it listens. The lab's teardown kills whatever is left in its namespaces.
     */
    static Process carpd(Lab lab, Lab.Host h, String javaOpts, int nice, Path log) throws IOException {
        // nice(1) before the JVM starts, as systemd's Nice= does: every thread inherits it
        Process p = new ProcessBuilder("ip", "netns", "exec", h.ns, "nice", "-n", Integer.toString(nice), "env",
                "CARPD_JAVA_OPTS=" + javaOpts, Lab.ROOT.resolve("bin/carpd").toString(), "--state-dir", h.stateDir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!Lab.await(Duration.ofSeconds(30), () -> !p.isAlive() || read(log).contains("event=control")) || !p.isAlive()) {
            throw new IllegalStateException("carpd did not start in " + h.name() + ": " + read(log));
        }
        return p;
    }

    /**
     * keepalived (VRRPv3) for 172.16.0.100/24 on em0, both nodes BACKUP with nopreempt like a CARP
     * pair without preempt; its log is keepalived-hN.log in the lab directory.
     */
    static Process keepalived(Lab lab, Lab.Host h, int priority, String advertInt) throws IOException {
        Path dir = lab.dir();
        Path conf = dir.resolve("keepalived-" + h.name() + ".conf");
        Files.writeString(conf, """
                global_defs {
                    router_id %s
                    vrrp_version 3
                }
                vrrp_instance VI_1 {
                    state BACKUP
                    nopreempt
                    interface em0
                    virtual_router_id 1
                    priority %d
                    advert_int %s
                    virtual_ipaddress {
                        %s/24 dev em0
                    }
                }
                """.formatted(h.name(), priority, advertInt, Bench.VIP));
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", h.ns, "keepalived", "--dont-fork",
                "--log-console", "--log-detail", "--vrrp", "-f", conf.toString(),
                "-p", dir.resolve("keepalived-" + h.name() + ".pid").toString(),
                "-r", dir.resolve("keepalived-vrrp-" + h.name() + ".pid").toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(keepalivedLog(lab, h).toFile())).start();
    }

    /** The Nice= of etc/systemd/carpd.service (0 without one): how carpd runs when installed. */
    static int unitNice() throws IOException {
        return Files.readAllLines(Lab.ROOT.resolve("etc/systemd/carpd.service")).stream()
                .filter(l -> l.startsWith("Nice=")).map(l -> Integer.parseInt(l.substring(5).trim()))
                .findFirst().orElse(0);
    }

    static Path keepalivedLog(Lab lab, Lab.Host h) {
        return lab.dir().resolve("keepalived-" + h.name() + ".log");
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
