package org.carp4j.commands;

/** A refused command: the message is what follows "carpconfig: " on standard error. */
public final class CommandException extends Exception {
    public CommandException(String message) {
        super(message);
    }
}
