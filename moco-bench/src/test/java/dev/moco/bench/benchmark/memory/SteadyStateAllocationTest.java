package dev.moco.bench.benchmark.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.moco.encoders.fast.FastEncoder;
import org.junit.jupiter.api.Test;

class SteadyStateAllocationTest {

    /**
     * The pretraining step's temporaries live in its workspace: what waits for the collector
     * is ND4J's own small bookkeeping (shape descriptors, scalars, axis arguments), a few KiB a
     * step, never an array of the network's size.
     */
    @Test
    void theSteadyStatePretrainingStepLeavesOnlyKilobytesForTheCollector() {
        assumeTrue(FastEncoder.isAvailable(), FastEncoder::unavailableReason);
        AllocationsCommand.Measurement m = AllocationsCommand.measure("resnet20", 1, 28, 32, 512, 4, 3, 20);
        NativeArrays.Growth g = m.growth();
        assertThat(g.waitingBytes() / 20).as("bytes a step leaves for the collector; kinds: " + m.waitingKinds())
                .isLessThan(16 * 1024);
        assertThat(g.workspaceBuffers()).as("temporaries carved from the step's workspace").isPositive();
    }
}
