package org.carp4j.lab;

import org.junit.jupiter.api.AfterEach;

/** A real-segment test: whatever lab it builds is removed after each test, pass or fail. */
abstract class LabTest {
    protected Lab lab;

    @AfterEach
    void removeLab() {
        if (lab != null) {
            lab.close();
            lab = null;
        }
    }
}
