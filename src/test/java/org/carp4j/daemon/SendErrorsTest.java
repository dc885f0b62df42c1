package org.carp4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.carp4j.election.CarpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 13 item 9 on the real loop: the wire's send errors reach the engine, which demotes. */
class SendErrorsTest {

    @Test
    @Timeout(30)
    void threeFailedAdvertsDemoteAndThreeGoodOnesLiftIt() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            h.link.failing = true;
            h.master();
            DaemonHarness.await("demoted after 3 failed adverts",
                    () -> h.log().contains("demoted by 1 (3 consecutive send errors on em0)"));
            assertEquals(CarpState.MASTER, h.state(), "alone on the segment it stays MASTER, demoted");
            h.link.failing = false;
            DaemonHarness.await("lifted after 3 good adverts",
                    () -> h.log().contains("demotion by send errors lifted (3 good adverts)"));
            assertTrue(h.log().contains("No buffer space available"), "each failure is logged: " + h.log());
        }
    }

    /**
     * carpd tells the engine of a good advert only while its counters may be off zero (after a
     * failure), so a good one between failures still breaks the run: two failed, one good, two
     * failed is never three in a row. Three in a row later still demote.
     */
    @Test
    @Timeout(30)
    void aGoodAdvertBetweenFailuresBreaksTheRun() throws Exception {
        try (DaemonHarness h = new DaemonHarness()) {
            java.util.List.of(true, true, false, true, true).forEach(h.link.nextFail::add);
            h.master();
            DaemonHarness.await("the scripted adverts and two good ones after them",
                    () -> h.link.nextFail.isEmpty() && h.count("advert skew=0") >= 3);
            assertTrue(!h.log().contains("demoted by 1"), "never three failures in a row: " + h.log());
            h.link.failing = true;
            DaemonHarness.await("three in a row demote",
                    () -> h.log().contains("demoted by 1 (3 consecutive send errors on em0)"));
        }
    }
}
