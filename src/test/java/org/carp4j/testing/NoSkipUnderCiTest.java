package org.carp4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * A failed assumption skips a test on a developer's machine and fails it under CI, wherever it is
 * thrown: proved by running small sample classes in a nested JUnit run, once as CI and once not.
 */
class NoSkipUnderCiTest {
    /** Not run by surefire (a nested class); each of its three tests assumes what is false. */
    static class AssumesInTheBody {
        @Test
        void needsTshark() {
            assumeTrue(false, "tshark not installed");
        }
    }

    static class AssumesInBeforeEach {
        @BeforeEach
        void needsRoot() {
            assumeTrue(false, "chown needs root");
        }

        @Test
        void chowns() {
        }
    }

    static class AssumesInBeforeAll {
        @BeforeAll
        static void needsLittleEndian() {
            assumeTrue(false, "the recorded bytes are x86-64's");
        }

        @Test
        void decodes() {
        }
    }

    private static TestExecutionSummary run(boolean ci, Class<?> sample) {
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(sample))
                .configurationParameters(Map.of(NoSkipUnderCi.PARAMETER, Boolean.toString(ci)))
                .build(), listener);
        return listener.getSummary();
    }

    private static void failsUnderCiNamingTheReason(Class<?> sample, String reason) {
        TestExecutionSummary summary = run(true, sample);
        assertEquals(0, summary.getTestsAbortedCount() + summary.getContainersAbortedCount(), "nothing skipped");
        List<TestExecutionSummary.Failure> failures = summary.getFailures();
        assertEquals(1, failures.size(), "one failure: " + failures);
        Throwable failure = failures.get(0).getException();
        assertInstanceOf(AssertionFailedError.class, failure);
        assertTrue(failure.getMessage().contains(reason), failure.getMessage());
    }

    private static void skipsOutsideCi(Class<?> sample) {
        TestExecutionSummary summary = run(false, sample);
        assertEquals(List.of(), summary.getFailures());
        assertEquals(1, summary.getTestsAbortedCount() + summary.getContainersAbortedCount(), "skipped");
    }

    @Test
    void anAssumptionInATestFailsItUnderCiAndSkipsItElsewhere() {
        failsUnderCiNamingTheReason(AssumesInTheBody.class, "tshark not installed");
        skipsOutsideCi(AssumesInTheBody.class);
    }

    @Test
    void anAssumptionInBeforeEachFailsTheTestUnderCi() {
        failsUnderCiNamingTheReason(AssumesInBeforeEach.class, "chown needs root");
        skipsOutsideCi(AssumesInBeforeEach.class);
    }

    @Test
    void anAssumptionInBeforeAllFailsTheClassUnderCi() {
        failsUnderCiNamingTheReason(AssumesInBeforeAll.class, "the recorded bytes are x86-64's");
        skipsOutsideCi(AssumesInBeforeAll.class);
    }

    @Test
    void ciIsANonEmptyCiVariableUnlessTheParameterSays() {
        assertTrue(NoSkipUnderCi.ci(Optional.empty(), "true"));
        assertTrue(NoSkipUnderCi.ci(Optional.empty(), "1"));
        assertTrue(!NoSkipUnderCi.ci(Optional.empty(), ""));
        assertTrue(!NoSkipUnderCi.ci(Optional.empty(), null));
        assertTrue(!NoSkipUnderCi.ci(Optional.of("false"), "true"));
        assertTrue(NoSkipUnderCi.ci(Optional.of("true"), null));
    }

    @Test
    void onlyAnAbortIsConverted() {
        IllegalStateException other = new IllegalStateException("boom");
        assertSame(other, NoSkipUnderCi.convert(other, true));
        TestAbortedException aborted = new TestAbortedException("no tmux");
        assertSame(aborted, NoSkipUnderCi.convert(aborted, false));
        assertInstanceOf(AssertionFailedError.class, NoSkipUnderCi.convert(aborted, true));
    }
}
