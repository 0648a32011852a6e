package com.example.moco;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@link SparkDataFrameExample}: a binaryFile DataFrame of 64 PNGs, two workers on local[2], end to end. */
class SparkDataFrameExampleTest {

    @Test
    void twoSparkWorkersPretrainFromADataFrameOfImages(@TempDir Path run) {
        PrintStream console = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            SparkDataFrameExample.main(new String[] {run.toString()});
        } finally {
            System.setOut(console);
        }
        String output = printed.toString(StandardCharsets.UTF_8);
        console.print(output);
        assertTrue(output.contains("wrote the DataFrame's 64 images to "), output);
        assertTrue(output.contains("spark dataframe: 2 workers, 4 steps, final loss "), output);
        assertTrue(Files.isRegularFile(run.resolve("checkpoints").resolve("latest.zip")), "worker 0's checkpoint");
    }
}
