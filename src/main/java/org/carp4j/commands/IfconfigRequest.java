package org.carp4j.commands;

import java.util.List;
import java.util.Optional;
import org.carp4j.config.StateDocument;
import org.carp4j.election.CarpState;

/**
 * The outcome of parsing one carpconfig command line against the current configuration: the new
 * document to persist and apply (unchanged for display-only commands), a forced state, if any,
 * and warnings for standard error (the command still succeeds).
 */
public record IfconfigRequest(String ifname, StateDocument next, Optional<CarpState> forceState, boolean display,
                              List<String> warnings) {
    public IfconfigRequest(String ifname, StateDocument next, Optional<CarpState> forceState, boolean display) {
        this(ifname, next, forceState, display, List.of());
    }
}
