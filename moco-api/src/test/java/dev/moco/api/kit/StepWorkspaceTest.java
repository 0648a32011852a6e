package dev.moco.api.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class StepWorkspaceTest {

    private static final long MIB = 1L << 20;

    /** One step that fills {@code mib} MiB of the workspace, every page written. */
    private static void step(String id, int mib) {
        try (MemoryWorkspace step = StepWorkspace.open(id)) {
            INDArray block = Nd4j.create(DataType.FLOAT, mib * MIB / Float.BYTES);
            block.assign(1f);
        }
    }

    @Test
    void aWorkspaceKeepsItsBlockAfterTheStepAndReleaseAllGivesItBackToTheSystem() {
        StepWorkspace.releaseAll();
        step(StepWorkspace.EVALUATION_BATCH, 64);
        step(StepWorkspace.SAVE, 16);
        assertThat(StepWorkspace.heldBytes()).isGreaterThanOrEqualTo(80 * MIB);
        long resident = Pointer.physicalBytes();

        long released = StepWorkspace.releaseAll();

        assertThat(released).isGreaterThanOrEqualTo(80 * MIB);
        assertThat(StepWorkspace.heldBytes()).isZero();
        // the blocks are freed, not only forgotten: the resident set falls by (nearly) their size
        assertThat(resident - Pointer.physicalBytes()).isGreaterThan(60 * MIB);
        // and the next step of a kind sizes its block anew
        step(StepWorkspace.SAVE, 1);
        assertThat(StepWorkspace.heldBytes()).isBetween(1 * MIB, 4 * MIB);
        StepWorkspace.releaseAll();
    }

    @Test
    void releaseAllRefusesWhileAStepIsRunning() {
        try (MemoryWorkspace step = StepWorkspace.open(StepWorkspace.TRAINING_STEP)) {
            assertThatThrownBy(StepWorkspace::releaseAll).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("while one is open");
        }
        StepWorkspace.releaseAll();
    }
}
