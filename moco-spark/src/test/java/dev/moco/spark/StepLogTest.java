package dev.moco.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.core.run.StepReport;
import dev.moco.core.run.TrainingPosition;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StepLogTest {

    @Test
    void workerZeroPrintsEveryNthGlobalStepOutOfEpochsTimesStepsPerEpoch() {
        String printed = printedBy(new StepLog(2, 3), 0, 1, 2, 3, 4);
        assertThat(printed).isEqualTo("step 2/12: loss 2.0000, 15 ms\nstep 4/12: loss 4.0000, 15 ms\n");
    }

    @Test
    void theOtherWorkersPrintNothing() {
        assertThat(printedBy(new StepLog(1, 3), 1, 1, 2)).isEmpty();
    }

    @Test
    void aLineEveryZeroStepsIsRefused() {
        assertThatThrownBy(() -> new StepLog(0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a line every N steps needs N of 1 or more, got 0");
    }

    /** What {@code log} prints on worker {@code rank} after the given global steps of a run of 4 steps per epoch. */
    private static String printedBy(StepLog log, int rank, long... steps) {
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            for (long step : steps) {
                TrainingPosition position = new TrainingPosition((int) ((step - 1) / 4), (step - 1) % 4 + 1, step, 4);
                log.afterStep(rank, new StepReport(position, 16, step, 0.5, 0.03, 15_000_000L));
            }
        } finally {
            System.setOut(out);
        }
        return printed.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }
}
