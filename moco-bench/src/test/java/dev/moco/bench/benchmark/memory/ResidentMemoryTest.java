package dev.moco.bench.benchmark.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.moco.api.kit.StepWorkspace;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

class ResidentMemoryTest {

    @Test
    void whatARunLeavesInItsWorkspacesIsCountedAndGivenBackAfterTheRun() {
        ResidentMemory.releaseAfterRun();
        try (MemoryWorkspace step = StepWorkspace.open(StepWorkspace.DOWNSTREAM_STEP)) {
            Nd4j.create(DataType.FLOAT, 8L << 20).assign(1f);       // 32 MiB
        }
        assertThat(ResidentMemory.describe()).containsPattern("workspaces (3[2-9]|4\\d) MiB");

        ResidentMemory.releaseAfterRun();

        assertThat(StepWorkspace.heldBytes()).isZero();
        assertThat(ResidentMemory.describe()).contains("workspaces 0 MiB");
    }

    @Test
    void theJvmTrimsTheCHeapWhereItHasTheCommand() {
        Runtime.Version v = Runtime.version();
        assumeTrue(v.feature() > 17 || (v.feature() == 17 && v.update() >= 9), "System.trim_native_heap came in 17.0.9");
        assumeTrue(System.getProperty("os.name").startsWith("Linux"));
        assertThat(ResidentMemory.trimNativeHeap()).isTrue();
    }
}
