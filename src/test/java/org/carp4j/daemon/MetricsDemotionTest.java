package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.carp4j.config.StateDocument;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.junit.jupiter.api.Test;

/** A demoted host shows on a dashboard: what each interface advertises, and why. */
class MetricsDemotionTest {
    private final StateDocument doc = StateDocument.EMPTY.with(new VhostConfig("carp0", 1, "pw", "em0", 1, 100,
            List.of(VipAddress.parse("10.0.0.1/24")), true));

    @Test
    void demotedAndWhy() {
        String page = Metrics.demotion(doc, name -> 240, "carpdev em1 link down");
        assertTrue(page.contains("carp_advskew_sent{interface=\"carp0\"} 240\n"), page);
        assertTrue(page.contains("carp_demoted{reason=\"carpdev em1 link down\"} 1\n"), page);
    }

    @Test
    void notDemoted() {
        String page = Metrics.demotion(doc, name -> 100, null);
        assertTrue(page.contains("carp_advskew_sent{interface=\"carp0\"} 100\n"), page);
        assertTrue(page.contains("carp_demoted{reason=\"\"} 0\n"), page);
    }
}
