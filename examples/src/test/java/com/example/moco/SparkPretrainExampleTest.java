package com.example.moco;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@link SparkPretrainExample} as CI runs the other example's main: two workers on local[2], end to end. */
class SparkPretrainExampleTest {

    @Test
    void twoSparkWorkersPretrainAndTheirCheckpointGivesFeatures(@TempDir Path run) {
        PrintStream console = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            SparkPretrainExample.main(new String[] {run.toString()});
        } finally {
            System.setOut(console);
        }
        String output = printed.toString(StandardCharsets.UTF_8);
        console.print(output);
        assertTrue(output.contains("spark: 2 workers, 8 steps, final loss "), output);
        assertTrue(output.contains(", 0 restarts, features [1, 64] from "), output);
        assertTrue(Files.isRegularFile(run.resolve("checkpoints").resolve("latest.zip")), "worker 0's checkpoint");
    }
}
