package org.carp4j.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.carp4j.commands.CommandException;
import org.carp4j.commands.HostInterface;
import org.carp4j.commands.Ifconfig;
import org.carp4j.commands.IfconfigRequest;
import org.carp4j.commands.InterfaceView;
import org.carp4j.commands.Sysctl;
import org.carp4j.config.StateDocument;
import org.carp4j.config.VhostConfig;
import org.carp4j.control.Protocol;
import org.carp4j.election.CarpState;

/**
 * The control requests (carpconfig, carpsysctl, names): the words are checked here, and only a
 * whole new configuration goes to the daemon, which saves it before it applies it.
 */
final class Requests {
    /** What the requests need from the running daemon. */
    interface Target {
        StateDocument doc();

        /** Saves, then applies; throws if the save failed, and then nothing changed. */
        void commit(StateDocument next) throws IOException;

        /** `state init|backup|master`, carried out at once. */
        void force(String ifname, CarpState state) throws CommandException;

        CarpState state(String ifname);

        Map<String, Long> stats();

        List<HostInterface> hostInterfaces() throws IOException;

        /** The host has an interface of that name that carpd did not make (a cheap look, no fork). */
        boolean foreignInterface(String name);
    }

    private final Target target;
    private final Log log;

    Requests(Target target, Log log) {
        this.target = target;
        this.log = log;
    }

    /** Runs one request; anything refused changes nothing and says why. */
    Protocol.Response handle(Protocol.Request r) {
        try {
            return switch (r.op()) {
                case "carpconfig" -> carpconfig(r.args());
                case "carpsysctl" -> carpsysctl(r.args());
                case "names" -> Protocol.Response.ok(String.join("\n", names()) + "\n");
                default -> Protocol.Response.error(2, "unknown op");
            };
        } catch (CommandException e) {
            return Protocol.Response.error(1, e.getMessage());
        } catch (IOException e) {
            log.error("save", "cannot save the configuration: " + e.getMessage());
            return Protocol.Response.error(74, "cannot save configuration: " + e.getMessage() + " (nothing changed)");
        } catch (UncheckedIOException e) {
            return Protocol.Response.error(74, "cannot list the host's interfaces: " + e.getCause().getMessage());
        } catch (RuntimeException e) {
            // a bug, not bad input: say so, keep serving; nothing was saved before the failure
            log.error("internal", r.op() + " failed: " + e);
            return Protocol.Response.error(70, "internal error: " + e.getClass().getSimpleName() + " (see carpd's log)");
        }
    }

    private List<String> names() {
        return target.doc().interfaces().stream().map(VhostConfig::name).toList();
    }

    private Protocol.Response carpconfig(List<String> args) throws CommandException, IOException {
        List<String> a = new ArrayList<>(args);
        boolean json = a.remove("--json");
        if (a.isEmpty()) {
            throw new CommandException("usage: carpconfig [-a | -l | -g group [[-]carpdemote [n]] | carpN [words ...]] [--json]");
        }
        switch (a.get(0)) {
            case "-l" -> {
                return Protocol.Response.ok(String.join(" ", names()) + "\n");
            }
            case "-a" -> {
                if (a.size() > 1) {
                    throw new CommandException(a.get(1) + ": bad value");
                }
                return show(target.doc().interfaces(), json);
            }
            case "-g" -> {
                return group(a.subList(1, a.size()));
            }
            default -> {
                if (a.get(0).startsWith("-")) {
                    throw new CommandException("illegal option -- " + a.get(0).substring(1));
                }
            }
        }
        String ifname = a.get(0);
        IfconfigRequest req = new Ifconfig(this::hostInterfaces).parse(target.doc(), ifname, a.subList(1, a.size()));
        if (req.display()) {
            return show(List.of(target.doc().find(ifname).orElseThrow()), json);
        }
        if (target.doc().find(ifname).isEmpty() && req.next().find(ifname).isPresent()
                && target.foreignInterface(ifname)) {
            // the host's own interface of that name: carpd would never be able to make carpN
            throw new CommandException(ifname + ": an interface of that name exists on this host and was not"
                    + " created by carpd; remove it or choose another name");
        }
        VhostConfig before = target.doc().find(ifname).orElse(null);
        target.commit(req.next());
        if (req.forceState().isPresent()) {
            target.force(ifname, req.forceState().get());
        }
        return new Protocol.Response(0, "", unprotected(before, req.next().find(ifname).orElse(null)));
    }

    /**
     * The warning for a change that leaves a carp interface able to take part in elections
     * without a password: said when its vhid, carpdev or password was just set, not on every
     * later change (advskew, addresses); exit status stays 0.
     */
    static String unprotected(VhostConfig before, VhostConfig after) {
        if (after == null || after.vhid() == 0 || after.carpdev() == null || !after.password().isEmpty()) {
            return "";
        }
        if (before != null && before.password().isEmpty() && before.vhid() == after.vhid()
                && after.carpdev().equals(before.carpdev())) {
            return "";
        }
        return "warning: " + after.name() + " has no password; anyone on the LAN can take over vhid " + after.vhid();
    }

    private List<HostInterface> hostInterfaces() {
        try {
            return target.hostInterfaces();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Protocol.Response group(List<String> a) throws CommandException, IOException {
        if (a.isEmpty()) {
            throw new CommandException("-g: missing group name");
        }
        if (!a.get(0).equals("carp")) {
            throw new CommandException(a.get(0) + ": no such group (carp interfaces are in group carp)");
        }
        if (a.size() == 1) {
            return Protocol.Response.ok("carp: carp demote count " + target.doc().demote() + "\n");
        }
        String op = a.get(1);
        if (!op.equals("carpdemote") && !op.equals("-carpdemote")) {
            throw new CommandException(op + ": bad value");
        }
        int n = 1;
        if (a.size() > 2) {
            if (!a.get(2).matches("[0-9]{1,10}")) {
                throw new CommandException("carp: invalid carp demotion: " + a.get(2));
            }
            long v = Long.parseLong(a.get(2));
            if (v > 128) {
                throw new CommandException("carp: invalid carp demotion: too large");
            }
            n = (int) v;
        }
        if (a.size() > 3) {
            throw new CommandException(a.get(3) + ": bad value");
        }
        int next = target.doc().demote() + (op.equals("carpdemote") ? n : -n);
        if (next < 0 || next > 255) {
            throw new CommandException("carp: carp demote count would be " + next + " (0..255)");
        }
        target.commit(target.doc().withDemote(next));
        return Protocol.Response.ok("");
    }

    private Protocol.Response carpsysctl(List<String> args) throws CommandException, IOException {
        Sysctl.Result r = new Sysctl().run(target.doc().sysctls(), target.stats(), args);
        if (!r.sysctls().equals(target.doc().sysctls())) {
            target.commit(target.doc().withSysctls(r.sysctls()));
        }
        return Protocol.Response.ok(r.lines().isEmpty() ? "" : String.join("\n", r.lines()) + "\n");
    }

    private Protocol.Response show(List<VhostConfig> list, boolean json) {
        List<InterfaceView> views = list.stream().map(c -> new InterfaceView(c,
                Optional.ofNullable(target.state(c.name())).orElse(CarpState.INIT), target.doc().demote())).toList();
        if (json) {
            try {
                return Protocol.Response.ok(new ObjectMapper().writerWithDefaultPrettyPrinter()
                        .writeValueAsString(views.stream().map(InterfaceView::json).toList()) + "\n");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        StringBuilder b = new StringBuilder();
        views.forEach(v -> b.append(v.text()));
        return Protocol.Response.ok(b.toString());
    }
}
