package org.carp4j.daemon;

import java.io.IOException;
import org.carp4j.config.StateDocument;
import org.carp4j.config.StateFile;

/**
 * SIGHUP: carpd re-reads carpd.json. A valid document that differs from the running one is
 * committed exactly as a carpconfig change is (saved, then applied); an invalid or unreadable one
 * is reported problem by problem and the running configuration stays as it is. Runs on the loop.
 */
final class Reload {
    private Reload() {
    }

    static void apply(StateFile store, Requests.Target daemon, Log log) {
        StateDocument next;
        try {
            next = store.load();
        } catch (StateFile.InvalidStateException e) {
            e.problems().forEach(p -> log.error("reload", store.path() + ": " + p));
            log.error("reload", "not reloaded: the running configuration is kept");
            return;
        } catch (IOException e) {
            log.error("reload", store.path() + ": cannot read: " + e.getMessage() + "; the running configuration is kept");
            return;
        }
        if (next.equals(daemon.doc())) {
            log.info("reload", store.path() + ": unchanged");
            return;
        }
        try {
            daemon.applyLoaded(next);
            log.info("reload", store.path() + ": applied (" + next.interfaces().size() + " carp interfaces)");
        } catch (IOException e) {
            log.error("reload", "cannot save: " + e.getMessage() + "; the running configuration is kept");
        }
    }
}
