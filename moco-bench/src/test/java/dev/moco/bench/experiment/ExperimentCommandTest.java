package dev.moco.bench.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.bench.cli.MocoCommand;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every experiment command end to end on the tiny budget (a few steps on 8×8 images): rows
 * in the CSV, a PNG chart, a Markdown table, finished rows skipped on a re-run, and a run
 * continued from its checkpoint.
 */
class ExperimentCommandTest {

    @TempDir
    static Path shared;
    static Path data;

    @TempDir
    Path results;

    /** Small heads, so a step takes milliseconds. */
    private static final List<String> TINY = List.of("--no-progress", "--set", "image.size=8",
            "--set", "head.hidden=16", "--set", "feature.dim=8");

    record Outcome(int exitCode, String out, String err) {}

    @BeforeAll
    static void writeData() throws IOException {
        data = ExperimentTestData.write(shared.resolve("data"), 96, 32);
    }

    private Outcome run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data", data.toString(), "--results", results.toString()));
        all.addAll(TINY);
        if (!all.contains("--budget")) {
            all.addAll(List.of("--budget", "tiny"));
        }
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StringWriter cliErr = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            var cli = MocoCommand.commandLine();
            cli.setErr(new PrintWriter(cliErr, true));
            code = cli.execute(all.toArray(String[]::new));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8) + cliErr);
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    private static void assertPng(Path png, int panels) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as(png.toString()).isNotNull();
        assertThat(image.getWidth()).isEqualTo(panels * ExperimentChart.PANEL_WIDTH);
    }

    @Test
    void mechanismsWritesARowPerRunAChartAndATableAndSkipsFinishedRowsWhenRerun() throws IOException {
        Outcome first = run("experiment", "mechanisms", "--dictionary", "random-negatives:random-negatives.count");
        assertThat(first.exitCode()).as(first.err()).isZero();
        Path csv = results.resolve("mechanisms.csv");
        List<String> rows = lines(csv);
        assertThat(rows.get(0)).startsWith("mechanism,k,budget,seed,status,negatives,epochs,");
        // seed 0 and seed 1: untrained + K=16 x (end-to-end, bank random, bank encoder, queue, random-negatives)
        assertThat(rows).hasSize(1 + 2 * 6);
        assertThat(rows).anyMatch(r -> r.startsWith("queue,16,tiny,0,ok,16,1,64,16,"));
        assertThat(rows).anyMatch(r -> r.startsWith("end-to-end,16,tiny,0,ok,15,1,64,16,"));
        assertThat(rows).anyMatch(r -> r.startsWith("memory-bank+encoder-init,16,tiny,1,ok,16,"));
        assertThat(rows).anyMatch(r -> r.startsWith("random-negatives,16,tiny,1,ok,16,"));
        assertThat(rows).anyMatch(r -> r.startsWith("untrained,,tiny,1,untrained,"));
        List<ResultRow> parsed = ResultsFile.open(csv, ExperimentDriver.columns(new MechanismsExperiment(List.of(), 1024)),
                ExperimentDriver.keyColumns(new MechanismsExperiment(List.of(), 1024))).rows();
        assertThat(parsed).allSatisfy(r -> assertThat(r.getDouble("knn_accuracy")).isBetween(0.0, 1.0))
                .allSatisfy(r -> assertThat(r.getDouble("linear_accuracy")).isBetween(0.0, 1.0));
        assertPng(results.resolve("mechanisms-tiny.png"), 2);
        String table = Files.readString(results.resolve("mechanisms-tiny.md"));
        assertThat(table).contains("| mechanism | K |", "| MoCo (queue) | 16 | 16 |", "(n=2)", "random-negatives",
                "./moco experiment mechanisms --budget tiny");
        assertThat(first.out()).contains("results: " + csv + " (12 rows of budget tiny; 12 run now, 0 already there)");

        String before = Files.readString(csv);
        Outcome again = run("experiment", "mechanisms", "--dictionary", "random-negatives:random-negatives.count");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("(12 rows of budget tiny; 0 run now, 12 already there)");
        assertThat(Files.readString(csv)).isEqualTo(before);
    }

    @Test
    void aRunWhoseRowIsMissingContinuesFromItsCheckpointAndGivesTheSameRow() throws IOException {
        Outcome first = run("experiment", "momentum");
        assertThat(first.exitCode()).as(first.err()).isZero();
        Path csv = results.resolve("momentum.csv");
        List<String> rows = lines(csv);
        assertThat(rows).hasSize(1 + 5).anyMatch(r -> r.startsWith("0.999,tiny,0,ok,16,"));
        assertPng(results.resolve("momentum-tiny.png"), 1);
        assertThat(Files.readString(results.resolve("momentum-tiny.md"))).contains("| 0.9999 |");

        // as if the process had died after the last epoch's checkpoint but before the row was written
        String lost = rows.get(rows.size() - 1);
        Files.write(csv, rows.subList(0, rows.size() - 1), StandardCharsets.UTF_8);
        Outcome resumed = run("experiment", "momentum");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("continuing from");
        assertThat(resumed.out()).contains("1 run now, 4 already there");
        List<String> after = lines(csv);
        String redone = after.get(after.size() - 1);
        // every column but the timings is a function of the checkpoint (and of the build and CPU, the same here)
        assertThat(withoutTimings(redone)).isEqualTo(withoutTimings(lost));
    }

    /** The row without train_seconds and eval_seconds, the two columns before commit and cpu. */
    private static String withoutTimings(String row) {
        List<String> f = new java.util.ArrayList<>(List.of(row.split(",", -1)));
        f.subList(f.size() - 4, f.size() - 2).clear();
        return String.join(",", f);
    }

    @Test
    void shuffleBnWritesARowPerEpochWithTheCollapseDetectorsVerdict() throws IOException {
        Outcome outcome = run("experiment", "shuffle-bn");
        assertThat(outcome.exitCode()).as(outcome.err()).isZero();
        List<String> rows = lines(results.resolve("shuffle-bn.csv"));
        assertThat(rows.get(0)).isEqualTo("shuffle,budget,seed,epoch,negatives,loss,pretext_accuracy,knn_accuracy,"
                + "collapse_warning,images_per_second,eval_seconds,commit,cpu");
        // epochs 0 (untrained), 1 and 2 for shuffle on and off
        assertThat(rows).hasSize(1 + 2 * 3);
        Provenance here = Provenance.current();
        assertThat(rows.subList(1, rows.size())).as("each row records the build and the CPU that wrote it")
                .allMatch(r -> r.endsWith("," + here.commit() + "," + here.cpu()));
        assertThat(rows.subList(1, rows.size())).allMatch(r -> r.contains(",true,") || r.contains(",false,"));
        assertThat(rows).anyMatch(r -> r.startsWith("off,tiny,0,2,16,"));
        assertPng(results.resolve("shuffle-bn-tiny.png"), 2);
        assertThat(Files.readString(results.resolve("shuffle-bn-tiny.md"))).contains("| epoch | shuffle BN: pretext % |");
    }

    @Test
    void v2AblationAndTransferWriteTheirRowsChartsAndTables() throws IOException {
        Outcome v2 = run("experiment", "v2-ablation", "--only", "variant=v1,mlp+aug+cos");
        assertThat(v2.exitCode()).as(v2.err()).isZero();
        assertThat(lines(results.resolve("v2-ablation.csv"))).hasSize(1 + 2)
                .anyMatch(r -> r.startsWith("v1,tiny,0,ok,")).anyMatch(r -> r.startsWith("mlp+aug+cos,tiny,0,ok,"));
        assertPng(results.resolve("v2-ablation-tiny.png"), 1);
        assertThat(Files.readString(results.resolve("v2-ablation-tiny.md"))).contains("| mlp+aug+cos | ✓ | ✓ | ✓ |");

        // the novel regime on the test data's four classes: pretraining on 0 and 1, canvases of 2 and 3
        Outcome transfer = run("experiment", "transfer", "--regime", "novel", "--pretrain-classes", "0,1", "--only", "seed=0");
        assertThat(transfer.exitCode()).as(transfer.err()).isZero();
        // --no-progress reaches the commands the experiment runs in its process: no epoch or extraction bars
        assertThat(transfer.err()).doesNotContain("train features").doesNotContainPattern("epoch \\d+/\\d+ +\\d+%");
        assertThat(transfer.out()).contains("plan: 6 rows (0 already in the results)", "./moco train-supervised",
                "--classes 0,1", "--canvas-classes 2,3", "--schedule 2x", "./moco transfer instances --init");
        if (dev.moco.encoders.fast.FastEncoder.isAvailable()) {
            // every fine-tuning of the experiment runs the fast engine's heads, never the reference head
            assertThat(transfer.out()).contains("(FastEncoder, stages", "head: FastDenseHead (")
                    .doesNotContain("head: ReferenceDenseHead");
        }
        assertThat(transfer.out().split("\\./moco eval linear ", -1)).as("frozen scores once per encoder").hasSize(1 + 3);
        List<String> transferRows = lines(results.resolve("transfer.csv"));
        assertThat(transferRows.get(0)).isEqualTo("init,regime,schedule,budget,seed,status,linear_accuracy,knn_accuracy,"
                + "miou,ap,ap50,ap75,mask_ap,mask_ap50,mask_ap75,miou_curve,ap_curve,mask_ap_curve,pretrain_seconds,"
                + "frozen_eval_seconds,finetune_seconds,commit,cpu");
        assertThat(transferRows).hasSize(1 + 6);
        for (String init : TransferExperiment.INITS) {
            assertThat(transferRows).anyMatch(r -> r.startsWith(init + ",novel-0.1,1x,tiny,0,ok,"))
                    .anyMatch(r -> r.startsWith(init + ",novel-0.1,2x,tiny,0,ok,"));
        }
        // 8 canvases in batches of 4: 2 steps an epoch, scored after each epoch
        assertThat(column(transferRows, "moco,novel-0.1,1x,", "miou_curve")).matches("2:[01]\\.\\d{4}");
        assertThat(column(transferRows, "moco,novel-0.1,2x,", "ap_curve")).matches("2:[01]\\.\\d{4} 4:[01]\\.\\d{4}");
        assertThat(column(transferRows, "moco,novel-0.1,2x,", "mask_ap_curve")).matches("2:[01]\\.\\d{4} 4:[01]\\.\\d{4}");
        assertThat(column(transferRows, "moco,novel-0.1,1x,", "mask_ap")).matches("[01]\\.\\d{4}");
        // the fine-tunings' own seconds, from their metrics.csv: a rerun that only rescores them keeps the same figure
        double fineTuning = Double.parseDouble(column(transferRows, "moco,novel-0.1,1x,", "finetune_seconds"));
        assertThat(fineTuning).isPositive();
        assertPng(results.resolve("transfer-tiny.png"), 3);
        assertThat(Files.readString(results.resolve("transfer-tiny.md")))
                .contains("| novel-0.1 | 1x | moco |", "- novel-0.1, 2x, box AP: MoCo − supervised = ",
                        "- novel-0.1, 2x, mask AP: MoCo − supervised = ", "not testable");

        // rows dropped, encoders kept: the rerun reuses them, their frozen scores and the pretraining time first measured
        Files.writeString(results.resolve("transfer.csv"), transferRows.get(0) + "\n");
        Outcome again = run("experiment", "transfer", "--regime", "novel", "--pretrain-classes", "0,1", "--only", "seed=0",
                "--only", "schedule=1x");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("plan: 3 rows").doesNotContain("./moco train-supervised", "./moco eval linear");
        List<String> rerun = lines(results.resolve("transfer.csv"));
        assertThat(rerun).hasSize(1 + 3);
        for (String init : List.of("supervised", "moco")) {
            String row = init + ",novel-0.1,1x,";
            assertThat(Double.parseDouble(column(rerun, row, "pretrain_seconds"))).as(init).isPositive()
                    .isEqualTo(Double.parseDouble(column(transferRows, row, "pretrain_seconds")));
            assertThat(column(rerun, row, "linear_accuracy")).isEqualTo(column(transferRows, row, "linear_accuracy"));
            assertThat(column(rerun, row, "finetune_seconds")).as("rescored, not fine-tuned again")
                    .isEqualTo(column(transferRows, row, "finetune_seconds"));
        }
    }

    /** The value of {@code name} in the first row starting with {@code rowStart}. */
    private static String column(List<String> rows, String rowStart, String name) {
        int column = List.of(rows.get(0).split(",")).indexOf(name);
        return rows.stream().filter(r -> r.startsWith(rowStart)).map(r -> r.split(",", -1)[column]).findFirst().orElseThrow();
    }

    @Test
    void badInputIsReportedWithoutAStackTrace() {
        Outcome budget = run("experiment", "momentum", "--budget", "huge");
        assertThat(budget.exitCode()).isEqualTo(1);
        assertThat(budget.err()).contains("unknown budget 'huge'").doesNotContain("\tat ");

        Outcome dictionary = run("experiment", "mechanisms", "--dictionary", "no-such");
        assertThat(dictionary.exitCode()).isEqualTo(1);
        assertThat(dictionary.err()).contains("no such dictionary is installed; installed: end-to-end, fixed, memory-bank, queue, random-negatives");

        Outcome noKey = run("experiment", "mechanisms", "--dictionary", "random-negatives");
        assertThat(noKey.err()).contains("say which of its settings holds K, as --dictionary random-negatives:<key>;"
                + " its settings: random-negatives.count");

        Outcome only = run("experiment", "momentum", "--only", "k=16");
        assertThat(only.exitCode()).isEqualTo(1);
        assertThat(only.err()).contains("--only k=16: use COLUMN=VALUE[,VALUE...] with a column of momentum: m, seed");

        Outcome conflict = run("experiment", "momentum", "--set", "queue.momentum=0.5");
        assertThat(conflict.exitCode()).isEqualTo(1);
        assertThat(conflict.err()).contains("--set queue.momentum conflicts with experiment momentum");
    }
}
