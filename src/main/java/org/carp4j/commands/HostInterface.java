package org.carp4j.commands;

import java.util.List;
import org.carp4j.config.VipAddress;

/** A physical interface of the host, as the command grammar needs it (carpdev checks, subnets). */
public record HostInterface(String name, List<VipAddress> addresses) {
}
