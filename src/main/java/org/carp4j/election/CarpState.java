package org.carp4j.election;

/** The three CARP states, printed exactly as the BSDs print them. */
public enum CarpState {
    /** Not taking part: interface down, incomplete, or its carpdev has no link. */
    INIT,
    /** Listening; takes over when the master-down timer fires. */
    BACKUP,
    /** Holds the virtual addresses and advertises. */
    MASTER
}
