package org.carp4j.testing;

import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Under CI a failed assumption is a failure, not a skip: CI runs as root with every tool installed,
 * so a test that would skip there has lost its reason to exist. Outside CI (a developer who is not
 * root, or lacks tshark) the skip stays. Registered for every test through
 * META-INF/services and junit-platform.properties; covers the test bodies and every lifecycle method.
 * CI means the environment variable CI is non-empty, unless the configuration parameter
 * carp4j.ci says true or false (how {@code NoSkipUnderCiTest} runs both cases in one JVM).
 */
public final class NoSkipUnderCi implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    public static final String PARAMETER = "carp4j.ci";

    /** What a thrown exception becomes: an assumption failure under CI turns into a test failure naming it. */
    static Throwable convert(Throwable thrown, boolean ci) {
        if (ci && thrown instanceof TestAbortedException aborted) {
            AssertionFailedError failure = new AssertionFailedError(
                    "CI must not skip a test, but an assumption failed: " + aborted.getMessage(), aborted);
            failure.setStackTrace(aborted.getStackTrace());
            return failure;
        }
        return thrown;
    }

    static boolean ci(Optional<String> parameter, String environment) {
        return parameter.map(Boolean::parseBoolean).orElse(environment != null && !environment.isEmpty());
    }

    private static boolean ci(ExtensionContext context) {
        return ci(context.getConfigurationParameter(PARAMETER), System.getenv("CI"));
    }

    private static void rethrow(ExtensionContext context, Throwable thrown) throws Throwable {
        throw convert(thrown, ci(context));
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        rethrow(context, thrown);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        rethrow(context, thrown);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        rethrow(context, thrown);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        rethrow(context, thrown);
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        rethrow(context, thrown);
    }
}
