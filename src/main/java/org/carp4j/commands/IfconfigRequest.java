package org.carp4j.commands;

import java.util.Optional;
import org.carp4j.config.StateDocument;
import org.carp4j.election.CarpState;

/**
 * The outcome of parsing one carpconfig command line against the current configuration: the new
 * document to persist and apply (unchanged for display-only commands) and a forced state, if any.
 */
public record IfconfigRequest(String ifname, StateDocument next, Optional<CarpState> forceState, boolean display) {
}
