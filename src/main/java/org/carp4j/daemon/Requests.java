package org.carp4j.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.carp4j.commands.CarpconfigLine;
import org.carp4j.commands.CommandException;
import org.carp4j.commands.HostInterface;
import org.carp4j.commands.Ifconfig;
import org.carp4j.commands.IfconfigRequest;
import org.carp4j.commands.InterfaceView;
import org.carp4j.commands.Plan;
import org.carp4j.commands.Sysctl;
import org.carp4j.config.Limits;
import org.carp4j.config.StateDocument;
import org.carp4j.config.VhostConfig;
import org.carp4j.control.ExitCode;
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

        /** A document read from the state file (SIGHUP): it is on disk already. */
        default void applyLoaded(StateDocument next) throws IOException {
            commit(next);
        }

        /** `state init|backup|master`, carried out at once. */
        void force(String ifname, CarpState state) throws CommandException;

        CarpState state(String ifname);

        /** The advskew the interface advertises now (240 while the host is demoted). */
        default int advskewSent(String ifname, int configured) {
            return configured;
        }

        /** Why the host is demoted (advskew 240 on every interface), or null. */
        default String demotion() {
            return null;
        }

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
                default -> Protocol.Response.error(ExitCode.PROTOCOL, "unknown op");
            };
        } catch (CommandException e) {
            return Protocol.Response.error(ExitCode.REFUSED, e.getMessage());
        } catch (IOException e) {
            log.error("save", "cannot save the configuration: " + e.getMessage());
            return Protocol.Response.error(ExitCode.IOERR, "cannot save configuration: " + e.getMessage() + " (nothing changed)");
        } catch (UncheckedIOException e) {
            return Protocol.Response.error(ExitCode.IOERR, "cannot list the host's interfaces: " + e.getCause().getMessage());
        } catch (RuntimeException e) {
            // a bug, not bad input: say so, keep serving; nothing was saved before the failure
            log.error("internal", r.op() + " failed: " + e);
            return Protocol.Response.error(ExitCode.SOFTWARE, "internal error: " + e.getClass().getSimpleName() + " (see carpd's log)");
        }
    }

    private List<String> names() {
        return target.doc().interfaces().stream().map(VhostConfig::name).toList();
    }

    /** Parses the line into one plan (the grammar's tables), then carries it out. */
    private Protocol.Response carpconfig(List<String> args) throws CommandException, IOException {
        Plan plan = CarpconfigLine.parse(args);
        if (plan instanceof Plan.ShowAll p) {
            return show(target.doc().interfaces(), p.json());
        }
        if (plan instanceof Plan.ListNames p) {
            return Protocol.Response.ok(p.json() ? json(names()) : String.join(" ", names()) + "\n");
        }
        if (plan instanceof Plan.ShowGroup p) {
            return Protocol.Response.ok(p.json() ? json(groupJson())
                    : "carp: carp demote count " + target.doc().demote() + "\n");
        }
        if (plan instanceof Plan.Demote p) {
            return demote(p.delta());
        }
        if (plan instanceof Plan.Show p) {
            new Ifconfig(List.of()).parse(target.doc(), p.ifname(), List.of()); // refuses what is not there
            return show(List.of(target.doc().find(p.ifname()).orElseThrow()), p.json());
        }
        return configure((Plan.Configure) plan);
    }

    private Protocol.Response configure(Plan.Configure plan) throws CommandException, IOException {
        String ifname = plan.ifname();
        IfconfigRequest req = new Ifconfig(this::hostInterfaces).apply(target.doc(), ifname, plan.steps());
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
        List<String> warnings = new ArrayList<>();
        req.warnings().forEach(w -> warnings.add("warning: " + w));
        String unprotected = unprotected(before, req.next().find(ifname).orElse(null));
        if (!unprotected.isEmpty()) {
            warnings.add(unprotected);
        }
        return new Protocol.Response(0, "", String.join("\n" + "carpconfig: ", warnings));
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

    private Protocol.Response demote(int delta) throws CommandException, IOException {
        int next = target.doc().demote() + delta;
        if (next < 0 || next > Limits.DEMOTE_MAX) {
            throw new CommandException("carp: carp demote count would be " + next + " (0.." + Limits.DEMOTE_MAX + ")");
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
        String demotion = target.demotion();
        List<InterfaceView> views = list.stream().map(c -> new InterfaceView(c,
                Optional.ofNullable(target.state(c.name())).orElse(CarpState.INIT), target.doc().demote(),
                target.advskewSent(c.name(), c.advskew()), demotion)).toList();
        if (json) {
            return Protocol.Response.ok(json(views.stream().map(InterfaceView::json).toList()));
        }
        StringBuilder b = new StringBuilder();
        views.forEach(v -> b.append(v.text()));
        return Protocol.Response.ok(b.toString());
    }

    private Map<String, Object> groupJson() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("group", "carp");
        m.put("demote", target.doc().demote());
        return m;
    }

    private static String json(Object value) {
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
