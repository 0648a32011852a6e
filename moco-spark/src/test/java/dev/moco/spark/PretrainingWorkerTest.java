package dev.moco.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.core.wiring.MemoryBounds;
import org.junit.jupiter.api.Test;

/** The advice a worker's out-of-memory message gives names the setting that raises the bound where the worker runs. */
class PretrainingWorkerTest {

    private static final String PROCESS = "-Dorg.bytedeco.javacpp.maxphysicalbytes=<size, e.g. 8g; 0: no bound>";

    @Test
    void onAClusterTheAdviceNamesTheExecutorsJavaOptionsAndTheirMemorySettings() {
        assertThat(PretrainingWorker.raise(PROCESS, false)).isEqualTo("raise it on every executor through"
                + " spark.executor.extraJavaOptions, e.g.\n  --conf spark.executor.extraJavaOptions="
                + "'-Dorg.bytedeco.javacpp.maxphysicalbytes=8g',\n  with spark.executor.memoryOverhead above the native"
                + " memory it allows,");
        assertThat(PretrainingWorker.raise(MemoryBounds.HEAP, false)).isEqualTo("raise it with spark.executor.memory"
                + " (Spark sets -Xmx from it), e.g.\n  --conf spark.executor.memory=8g,");
    }

    @Test
    void onLocalTheAdviceNamesTheDriversJvm() {
        assertThat(PretrainingWorker.raise(PROCESS, true)).startsWith("on local[W] the workers are threads of the driver's JVM:"
                + " raise it there (JAVA_OPTS for ./moco, --driver-java-options for spark-submit), e.g.\n"
                + "  JAVA_OPTS='-Dorg.bytedeco.javacpp.maxphysicalbytes=8g',");
    }
}
