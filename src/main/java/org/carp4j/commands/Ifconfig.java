package org.carp4j.commands;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.carp4j.config.Limits;
import org.carp4j.config.StateDocument;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.election.CarpState;

/**
 * The words after `carpconfig carpN`, as OpenBSD's ifconfig(8) and the FreeBSD handbook use them:
 * keywords in any order and any subset, applied together or not at all.
 */
public final class Ifconfig {
    private final Supplier<List<HostInterface>> hostLookup;
    private List<HostInterface> host;

    public Ifconfig(List<HostInterface> host) {
        this(() -> host);
    }

    /** The host's interfaces are asked for only by the words that need them (carpdev, subnets). */
    public Ifconfig(Supplier<List<HostInterface>> host) {
        this.hostLookup = host;
    }

    private List<HostInterface> host() {
        if (host == null) {
            host = hostLookup.get();
        }
        return host;
    }

    public IfconfigRequest parse(StateDocument doc, String ifname, List<String> words) throws CommandException {
        if (!ifname.matches(Limits.NAME_PATTERN)) {
            throw new CommandException(ifname + ": not a carp interface (carpN)");
        }
        if (words.isEmpty()) {
            if (doc.find(ifname).isEmpty()) {
                throw new CommandException(ifname + ": no such interface");
            }
            return new IfconfigRequest(ifname, doc, Optional.empty(), true);
        }
        return apply(doc, ifname, Steps.parse(words));
    }

    /** The parsed words against the configuration: a whole new document, or a refusal and nothing. */
    public IfconfigRequest apply(StateDocument doc, String ifname, List<Step> steps) throws CommandException {
        if (!ifname.matches(Limits.NAME_PATTERN)) {
            throw new CommandException(ifname + ": not a carp interface (carpN)");
        }
        VhostConfig c = doc.find(ifname).orElse(null);
        Optional<CarpState> force = Optional.empty();
        boolean destroy = false;
        boolean carpdevGiven = false;
        List<Step.Address> unmasked = new ArrayList<>();
        List<InetAddress> added = new ArrayList<>();
        for (Step step : steps) {
            if (step instanceof Step.Word w && w.keyword() == Keyword.CREATE) {
                if (c != null) {
                    throw new CommandException(ifname + ": interface exists");
                }
                c = VhostConfig.created(ifname);
                continue;
            }
            if (c == null) {
                throw new CommandException(ifname + ": no such interface");
            }
            if (step instanceof Step.Address a) {
                // the last word for an address decides: a mask given later is not overridden by the default
                unmasked.removeIf(u -> u.address().equals(a.address()));
                if (a.prefix() == null && !a.v6() && a.mode() != Step.Mode.REMOVE) {
                    unmasked.add(a);
                }
                if (a.mode() != Step.Mode.REMOVE) {
                    added.add(a.address());
                }
                c = address(c, a);
                continue;
            }
            Step.Word w = (Step.Word) step;
            switch (w.keyword().role()) {
                case LIFECYCLE -> destroy = true; // create was handled above
                case FORCE -> force = Optional.of((CarpState) w.value());
                case SETTING -> {
                    if (w.keyword() == Keyword.CARPDEV) {
                        String d = (String) w.value();
                        if (host().stream().noneMatch(h -> h.name().equals(d))) {
                            throw new CommandException("carpdev " + d + ": no such interface");
                        }
                        carpdevGiven = true;
                    } else if (w.keyword() == Keyword.NOCARPDEV) {
                        carpdevGiven = false; // by subnet again, also after a carpdev earlier in the line
                    }
                    c = w.keyword().apply(c, w.value());
                }
                case ADDRESS, MODIFIER -> throw new IllegalStateException("an address word outside an address");
            }
        }
        if (destroy) {
            return new IfconfigRequest(ifname, doc.without(ifname), Optional.empty(), false);
        }
        if (c.carpdev() == null && !carpdevGiven && !c.addresses().isEmpty()) {
            c = c.withCarpdev(carpdevBySubnet(c));
        }
        List<String> warnings = new ArrayList<>();
        c = carpdevPrefix(c, unmasked, warnings);
        checkAddresses(doc, c, added);
        StateDocument next = doc.with(c);
        List<String> problems = Limits.problems(next);
        if (!problems.isEmpty()) {
            String p = problems.get(0);
            throw new CommandException(p.replaceFirst("^interfaces\\[[0-9]+\\]\\.[a-z]+: ", "")); // the path is for files
        }
        if (c.vhid() == 0 && !c.addresses().isEmpty()) {
            warnings.add(ifname + " has no vhid: it takes part in no election until one is set");
        }
        return new IfconfigRequest(ifname, next, force, false, warnings);
    }

    /**
     * An IPv4 address given without a mask takes the prefix of the carpdev's subnet that holds it,
     * as the handbook means it; where no subnet holds it, it stays a /32, with a warning.
     */
    private VhostConfig carpdevPrefix(VhostConfig c, List<Step.Address> unmasked, List<String> warnings) {
        if (unmasked.isEmpty()) {
            return c;
        }
        List<VipAddress> list = new ArrayList<>(c.addresses());
        for (Step.Address a : unmasked) {
            Optional<VipAddress> subnet = host().stream().filter(h -> h.name().equals(c.carpdev()))
                    .flatMap(h -> h.addresses().stream())
                    .filter(h -> h.isIPv4() && h.contains(a.address())).findFirst();
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).address().equals(a.address())) {
                    if (subnet.isPresent()) {
                        list.set(i, new VipAddress(a.address(), subnet.get().prefixLength()));
                    } else {
                        warnings.add(a.word() + ": no netmask given and no subnet of the carpdev holds it: a /32");
                    }
                }
            }
        }
        return c.withAddresses(list);
    }

    /**
     * Refuses new addresses that can only break the host or the LAN: the host's own, a network or
     * broadcast address. Only this command's addresses: the host is read only for such commands.
     */
    private void checkAddresses(StateDocument doc, VhostConfig c, List<InetAddress> added) throws CommandException {
        for (VipAddress v : c.addresses()) {
            if (!added.contains(v.address())) {
                continue;
            }
            String text = VipAddress.Inet.format(v.address());
            int hostBits = (v.isIPv4() ? 32 : 128) - v.prefixLength();
            if (v.isIPv4() && hostBits >= 2) {
                int ip = VipAddress.Inet.toInt(v.address());
                int netmask = v.netmask();
                String subnet = VipAddress.Inet.format(VipAddress.Inet.fromInt(ip & netmask)) + "/" + v.prefixLength();
                if ((ip | netmask) == -1) {
                    throw new CommandException(text + ": the broadcast address of " + subnet);
                }
                if ((ip & ~netmask) == 0) {
                    throw new CommandException(text + ": the network address of " + subnet);
                }
            }
            for (HostInterface h : host()) {
                if (doc.find(h.name()).isPresent()) {
                    continue; // carpd's own carp interface: a master holds its virtual addresses there
                }
                if (h.addresses().stream().anyMatch(a -> a.address().equals(v.address()))) {
                    throw new CommandException(text + ": an address of " + h.name() + " on this host, not a virtual one");
                }
            }
        }
    }

    /** The handbook rule: the physical interface whose IPv4 subnet holds the carp address. */
    private String carpdevBySubnet(VhostConfig c) throws CommandException {
        for (VipAddress vip : c.addresses()) {
            for (HostInterface h : host()) {
                if (h.name().matches("carp[0-9]+")) {
                    continue; // a master's carp interface holds the subnet of its VIP, but cannot carry carp
                }
                if (h.addresses().stream().anyMatch(a -> a.isIPv4() == vip.isIPv4() && a.contains(vip.address()))) {
                    return h.name();
                }
            }
        }
        throw new CommandException("carpdev: none given, and no interface's subnet holds "
                + c.addresses().get(0).address().getHostAddress());
    }

    /** An address step on the interface: replace the primary IPv4 address, add, or remove. */
    private static VhostConfig address(VhostConfig c, Step.Address step) throws CommandException {
        InetAddress a = step.address();
        boolean v6 = step.v6();
        Integer prefix = step.prefix();
        String word = step.word();
        VipAddress vip = new VipAddress(a, prefix == null ? (v6 ? 64 : 32) : prefix);
        List<VipAddress> list = new ArrayList<>(c.addresses());
        if (step.mode() == Step.Mode.REMOVE) {
            if (!list.removeIf(v -> v.address().equals(a))) {
                throw new CommandException(word + ": no such address on " + c.name());
            }
        } else if (step.mode() == Step.Mode.ALIAS) {
            list.removeIf(v -> v.address().equals(a));
            list.add(vip);
        } else {
            // Without "alias" an IPv4 address replaces the interface's primary IPv4 address.
            int primary = -1;
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).address() instanceof Inet4Address) {
                    primary = i;
                    break;
                }
            }
            if (primary < 0) {
                list.removeIf(v -> v.address().equals(a));
                list.add(0, vip);
            } else {
                // replaced in place, then listed once: re-giving the primary (a new mask) keeps the aliases
                list.set(primary, vip);
                VipAddress kept = list.get(primary);
                list.removeIf(v -> v != kept && v.address().equals(a));
            }
        }
        return c.withAddresses(list);
    }
}
