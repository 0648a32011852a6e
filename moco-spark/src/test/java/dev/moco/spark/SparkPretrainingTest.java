package dev.moco.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.IdxFile;
import dev.moco.core.run.DistributedPretrainingResult;
import dev.moco.core.run.Pretraining;
import dev.moco.core.run.PretrainingSpec;
import dev.moco.core.wiring.DictionaryRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data-parallel run on two Spark workers is the single-process run with the same N, G, seed
 * and query BN groups = W: ResNet-20 at 1×28×28, N = 8, G = 2, a queue of 32. The comparison with
 * one process covers two steps: ResNet-20's float32 step on groups of four images amplifies the
 * rounding of a reordered sum about tenfold per step (over the two epochs below, the loss
 * differed by 1e-7 after two steps, 2e-6 after three, 2e-4 after four), so no reordering stays
 * within 1e-5 beyond that. That holds on AVX-512 CPUs. On an AVX2-only CPU, whose kernels round
 * otherwise, a ReLU input within float rounding of zero can fall on the other side of the kink
 * in one of the runs, which moves the gradients below it: measured on AMD EPYC, AVX2, the
 * optimizer's momentum buffers (the summed gradients) 1.7e-3 apart after two steps and the
 * parameters 2.9e-5. So the momentum buffers are held to {@value #MOMENTUM_RELATIVE} and every
 * other tensor and the losses to {@value #RELATIVE}; a wrong reduction or a missed step moves
 * them by order one.
 * Determinism and restarts are checked bit for bit over two epochs of four steps. The reference
 * runs are made once for the class.
 */
class SparkPretrainingTest {

    private static final int WORKERS = 2;
    private static final double RELATIVE = 1e-4;
    private static final double MOMENTUM_RELATIVE = 2e-2;

    @TempDir
    static Path dir;

    private static JavaSparkContext spark;
    /** Two epochs of four steps, for determinism and restarts. */
    private static PretrainingSpec spec;
    /** One epoch of two steps, against one process. */
    private static PretrainingSpec twoSteps;
    private static List<Double> singleProcessLosses;
    private static Checkpoint singleProcess;
    private static DistributedPretrainingResult twoWorkers;

    @BeforeAll
    static void referenceRuns() throws IOException {
        spark = new JavaSparkContext(new SparkConf().setMaster("local[" + WORKERS + "]").setAppName("SparkPretrainingTest")
                .set("spark.ui.enabled", "false"));
        spark.setLogLevel("WARN");
        MocoConfig config = MocoConfig.builder(DictionaryRegistry.discover().settings()).preset("moco-v2")
                .set("encoder", "resnet20").set("batch.size", "8").set("shuffle.groups", "2").set("query.bn-groups", "2")
                .set("queue.size", "32").set("epochs", "2").set("seed", "11").build();
        spec = PretrainingSpec.of(config, writeIdx(dir.resolve("data"), 32));
        twoSteps = new PretrainingSpec(withSetting(config.asMap(), "epochs", "1"), writeIdx(dir.resolve("data16"), 16).toString(),
                "train", 0, 0, null, 2, 0, null);

        singleProcessLosses = new ArrayList<>();
        PretrainingSpec single = twoSteps.withCheckpoints(dir.resolve("single"), 2, 0);
        try (Pretraining run = single.builder().afterStep(step -> singleProcessLosses.add(step.loss())).build()) {
            single.attachCheckpoints(run).run();
        }
        singleProcess = CheckpointDirectory.load(dir.resolve("single"));
        twoWorkers = SparkPretraining.on(spark).workers(WORKERS).spec(spec.withCheckpoints(dir.resolve("two"), 2, 2)).run();
    }

    @AfterAll
    static void stopSpark() {
        spark.close();
    }

    @Test
    void twoWorkersOnLocal2TrainAsOneProcessDoesEveryStepAndEveryTensor() {
        DistributedPretrainingResult distributed = SparkPretraining.on(spark).workers(WORKERS)
                .spec(twoSteps.withCheckpoints(dir.resolve("two-steps"), 2, 0)).run();
        assertThat(distributed.workers()).isEqualTo(WORKERS);
        assertThat(distributed.restarts()).isZero();
        assertThat(distributed.end().globalStep()).isEqualTo(2);
        assertThat(distributed.stepLosses()).hasSize(2);
        double losses = 0;
        for (int step = 0; step < 2; step++) {
            losses = Math.max(losses, Math.abs(distributed.stepLosses().get(step) / singleProcessLosses.get(step) - 1));
        }
        Checkpoint checkpoint = CheckpointDirectory.load(distributed.lastCheckpoint().orElseThrow());
        CheckpointComparison comparison = CheckpointComparison.of(checkpoint, singleProcess);
        assertThat(checkpoint.position()).isEqualTo(singleProcess.position());
        assertThat(comparison.mismatches()).isEmpty();
        assertThat(comparison.differences()).containsKey("dictionary/queue");
        comparison.differences().forEach((tensor, difference) -> assertThat(difference)
                .as("max |difference| / max |value| of %s (all: %s)", tensor, comparison.differences())
                .isLessThanOrEqualTo(tensor.startsWith("optimizer/") ? MOMENTUM_RELATIVE : RELATIVE));
        double tensors = comparison.largestDifference();
        assertThat(losses).as("the largest relative difference of a step's loss").isLessThanOrEqualTo(RELATIVE);
        System.out.printf("ResNet-20 at 1x28x28, W = 2 on local[2] against one process, 2 steps: max relative difference"
                + " of a checkpoint tensor %.2e, of a step's loss %.2e%n", tensors, losses);
    }

    @Test
    void twoRunsOfTwoWorkersAreBitwiseIdentical() {
        assertThat(twoWorkers.end().globalStep()).isEqualTo(8);
        assertThat(twoWorkers.epochs()).extracting(e -> e.epoch()).containsExactly(1, 2);
        assertThat(twoWorkers.stepLosses()).hasSize(8);
        DistributedPretrainingResult again = SparkPretraining.on(spark).workers(WORKERS)
                .spec(spec.withCheckpoints(dir.resolve("again"), 2, 2)).run();
        assertThat(again.stepLosses()).isEqualTo(twoWorkers.stepLosses());
        assertBitwiseEqual(CheckpointDirectory.load(again.lastCheckpoint().orElseThrow()),
                CheckpointDirectory.load(twoWorkers.lastCheckpoint().orElseThrow()));
    }

    @Test
    void aWorkerThatDiesIsRestartedWithTheOthersFromTheNewestCheckpoint() {
        String marker = dir.resolve("failed-once").toString();     // a String: the listener is serialised
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        DistributedPretrainingResult restarted = SparkPretraining.on(spark).workers(WORKERS).maxRestarts(1)
                .spec(spec.withCheckpoints(dir.resolve("restarted"), 2, 2))
                .afterStepOnWorkers((rank, step) -> failOnce(marker, rank == 1 && step.position().globalStep() == 5))
                .log(new PrintStream(log, true, StandardCharsets.UTF_8))
                .run();

        assertThat(restarted.restarts()).isEqualTo(1);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("resumed from "
                + dir.resolve("restarted").resolve("latest.zip") + " at step 4 after a failure (restart 1 of 1)");
        assertThat(restarted.stepLosses()).as("the steps of the second start, from step 5")
                .isEqualTo(twoWorkers.stepLosses().subList(4, 8));
        assertBitwiseEqual(CheckpointDirectory.load(restarted.lastCheckpoint().orElseThrow()),
                CheckpointDirectory.load(twoWorkers.lastCheckpoint().orElseThrow()));
    }

    @Test
    void aRunTheWorkersRefuseIsNotRestartedAndTheirMessageIsTheError() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PretrainingSpec oneQueryGroup = new PretrainingSpec(withSetting(spec.configuration(), "query.bn-groups", "1"),
                spec.dataDirectory(), "train", 0, 0, null, 2, 0, null);
        assertThatThrownBy(() -> SparkPretraining.on(spark).workers(WORKERS).spec(oneQueryGroup)
                .log(new PrintStream(log, true, StandardCharsets.UTF_8)).run())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("worker ")
                .hasMessageContaining("refused the run: ")
                .hasMessageContaining("query.bn-groups");
        assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain("restart");
    }

    @Test
    void aRunThatKeepsFailingStopsAfterItsRestartsNamingTheFailure() {
        assertThatThrownBy(() -> SparkPretraining.on(spark).workers(WORKERS).maxRestarts(1)
                .spec(spec.withCheckpoints(dir.resolve("failing"), 2, 0))
                .afterStepOnWorkers((rank, step) -> {
                    throw new IllegalStateException("disk full on worker " + rank);
                })
                .log(new PrintStream(OutputStream.nullOutputStream()))
                .run())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("the distributed pretraining failed again after 1 restarts")
                .hasMessageContaining("disk full on worker");
    }

    @Test
    void moreWorkersThanLocalTaskSlotsAreRefusedAtOnce() {
        assertThatThrownBy(() -> SparkPretraining.on(spark).workers(3).spec(spec).run())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("local[2] runs 2 tasks at once but 3 workers need 3 (a barrier stage starts all its tasks"
                        + " together): use local[3]");
    }

    /** Throws the first time {@code now} holds, leaving {@code marker} behind so that it never throws again. */
    private static void failOnce(String marker, boolean now) {
        if (now && !Files.exists(Path.of(marker))) {
            try {
                Files.createFile(Path.of(marker));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("worker 1 dies after step 5");
        }
    }

    private static Map<String, String> withSetting(Map<String, String> settings, String key, String value) {
        Map<String, String> changed = new java.util.LinkedHashMap<>(settings);
        changed.put(key, value);
        return changed;
    }

    private static void assertBitwiseEqual(Checkpoint actual, Checkpoint expected) {
        CheckpointComparison comparison = CheckpointComparison.of(actual, expected);
        assertThat(comparison.bitwise()).as(comparison.verdict(0)).isTrue();
    }

    /** {@code n} labelled 28×28 grey images in IDX files: a bright quadrant per class, over noise. */
    static Path writeIdx(Path directory, int n) throws IOException {
        Files.createDirectories(directory);
        Random random = new Random(3);
        byte[] pixels = new byte[n * 28 * 28];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 4);
            for (int p = 0; p < 28 * 28; p++) {
                int row = p / 28;
                int column = p % 28;
                boolean lit = (row < 14) == (labels[i] < 2) && (column < 14) == (labels[i] % 2 == 0);
                pixels[i * 28 * 28 + p] = (byte) (lit ? 180 + random.nextInt(70) : random.nextInt(80));
            }
        }
        try (OutputStream o = Files.newOutputStream(directory.resolve("train-images-idx3-ubyte"))) {
            IdxFile.write(o, new int[] {n, 28, 28}, pixels);
        }
        try (OutputStream o = Files.newOutputStream(directory.resolve("train-labels-idx1-ubyte"))) {
            IdxFile.write(o, new int[] {n}, labels);
        }
        return directory;
    }
}
