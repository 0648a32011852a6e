package dev.moco.bench.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.core.config.MocoConfig;
import dev.moco.core.wiring.DictionaryRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The experiments' small parts: spread, formatting, budgets, plans. */
class ExperimentPartsTest {

    @Test
    void spreadIsTheMeanAndTheSampleStandardDeviation() {
        // 0.70, 0.74, 0.72: mean 0.72, squared deviations 0.0004 + 0.0004 + 0 over n-1 = 2: sd 0.02
        Spread s = Spread.of(List.of(0.70, 0.74, 0.72));
        assertThat(s.mean()).isCloseTo(0.72, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(s.sd()).isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Spread.of(List.of(0.5)).sd()).isZero();
        assertThat(MarkdownTable.percent(List.of(0.70, 0.74, 0.72))).isEqualTo("72.0 ± 2.0 (n=3)");
        assertThat(MarkdownTable.percent(List.of(0.7123))).isEqualTo("71.2");
        assertThat(MarkdownTable.percent(List.of())).isEqualTo("–");
        assertThat(MarkdownTable.duration(83.4)).isEqualTo("1 min 23 s");
    }

    @Test
    void aDifferenceIsEstablishedBeyondTwoStandardErrorsOfTheDifference() {
        // 0.20, 0.22, 0.24: mean 0.22, sd 0.02; 0.15, 0.16, 0.17: mean 0.16, sd 0.01
        // SE = sqrt(0.02²/3 + 0.01²/3) = sqrt(0.0005/3) = 0.0129099; the difference 0.06 exceeds 2 SE = 0.0258199
        Spread ahead = Spread.of(List.of(0.20, 0.22, 0.24));
        Spread behind = Spread.of(List.of(0.15, 0.16, 0.17));
        MeanDifference d = MeanDifference.of(ahead, behind);
        assertThat(d.difference()).isCloseTo(0.06, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(d.standardError()).isCloseTo(0.0129099, org.assertj.core.data.Offset.offset(1e-7));
        assertThat(d.direction()).isEqualTo(1);
        assertThat(MeanDifference.of(behind, ahead).direction()).isEqualTo(-1);
        assertThat(d.verdict("MoCo", "supervised")).isEqualTo("MoCo − supervised = +6.0 ± 1.3 points (standard error;"
                + " n = 3, 3): MoCo ahead, beyond two standard errors");
        // 0.19, 0.21, 0.23: mean 0.21, sd 0.02; SE = sqrt(2 · 0.0004/3) = 0.0163299, 2 SE = 0.0326599 > 0.01
        MeanDifference within = MeanDifference.of(ahead, Spread.of(List.of(0.19, 0.21, 0.23)));
        assertThat(within.standardError()).isCloseTo(0.0163299, org.assertj.core.data.Offset.offset(1e-7));
        assertThat(within.direction()).isZero();
        assertThat(within.verdict("MoCo", "supervised")).endsWith("within two standard errors, no difference established");
        MeanDifference oneSeed = MeanDifference.of(Spread.of(List.of(0.30)), behind);
        assertThat(oneSeed.testable()).isFalse();
        assertThat(oneSeed.direction()).isZero();
        assertThat(oneSeed.verdict("MoCo", "supervised")).isEqualTo("MoCo − supervised = +14.0 points (n = 1, 3): not"
                + " testable, a side has fewer than two seeds");
    }

    @Test
    void theTransferPlanRunsOneTimesForBothRegimesWithThreeSeedsFirstThenTwoTimes() {
        TransferExperiment transfer = TransferExperiment.of("same,novel", List.of(0, 1, 2, 3, 4));
        List<PlannedRun> plan = transfer.plan(Budget.SMALL);
        List<String> order = plan.stream().map(r -> r.key().get("schedule") + " " + r.key().get("regime") + " " + r.seed()
                + " " + r.key().get("init")).toList();
        assertThat(order).hasSize(2 * 2 * 3 * 3);
        assertThat(order.subList(0, 4)).containsExactly("1x same 0 random", "1x same 0 supervised", "1x same 0 moco",
                "1x same 1 random");
        assertThat(order.subList(0, 18)).allMatch(r -> r.startsWith("1x ")).anyMatch(r -> r.startsWith("1x novel 2 "));
        assertThat(order.subList(18, 36)).allMatch(r -> r.startsWith("2x "));
        assertThat(plan.get(0).directoryName()).isEqualTo("random-same-1x-seed0");
        assertThat(TransferExperiment.encoderName("moco", "novel")).isEqualTo("moco-novel");
        assertThat(TransferExperiment.encoderName("random", "novel")).isEqualTo("random");
        assertThat(TransferExperiment.of("novel", List.of(0, 2)).plan(Budget.TINY))
                .hasSize(2 * 2 * 3).allMatch(r -> r.key().get("regime").equals("novel-0.2"));
        assertThatThrownBy(() -> TransferExperiment.of("new", List.of(0))).hasMessage("--regime must be same, novel or"
                + " same,novel; got new");
    }

    @Test
    void theTransferEstimateAddsFineTuningPerRowAndPretrainingPerEncoderNotYetBuilt() {
        // measured: the three 1x novel rows of seed 0, fine-tuning 30 s each
        List<ResultRow> rows = List.of(transferRow("random", 30, 0, 20), transferRow("supervised", 30, 40, 10),
                transferRow("moco", 30, 10, 10));
        TransferExperiment transfer = TransferExperiment.of("same,novel", List.of(0, 1, 2, 3, 4));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        transfer.announce(transfer.plan(Budget.TINY), rows, Budget.TINY, new PrintStream(out, true, StandardCharsets.UTF_8));
        // to run: 9 rows of 1x at 30 s, 12 of 2x at twice that (none measured): 270 + 720 s; the encoders supervised-same
        // and moco-same as their novel twins: 40 + 10 and 10 + 10 s (random is built): 70 s; 1060 s in all
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("plan: 24 rows (3 already in the results)",
                "1x novel: random/0 (done), supervised/0 (done), moco/0 (done), random/1,",
                "estimate for the 21 rows to run: about 17 min 40 s (from the 3 rows of this budget measured so far)");
    }

    private static ResultRow transferRow(String init, double fineTuning, double pretraining, double frozen) {
        return new ResultRow(Map.of("init", init, "regime", "novel", "schedule", "1x", "budget", "tiny", "seed", "0",
                "finetune_seconds", Double.toString(fineTuning), "pretrain_seconds", Double.toString(pretraining),
                "frozen_eval_seconds", Double.toString(frozen)));
    }

    @Test
    void aTransferCurveIsTheStepsAndScoreOfEveryEpoch() {
        double[][] points = TransferExperiment.curvePoints("32:0.1234 64:0.1502");
        assertThat(points[0]).containsExactly(32, 64);
        assertThat(points[1]).containsExactly(0.1234, 0.1502);
        assertThat(TransferExperiment.curvePoints("")[0]).isEmpty();
    }

    @Test
    void thePlateauIsTheMeanCurvesMoveOverTheLastThirdOfTheOneTimesSchedule() {
        // 9 epochs of 10 steps: the last third runs from the first evaluation at or after step 60 to step 90
        // seed 0: mIoU 0.500 at 60, 0.520 at 90; seed 1: 0.520 and 0.530; the mean moves 0.510 -> 0.525: +1.5 points
        String seed0 = "30:0.40 60:0.500 90:0.520";
        String seed1 = "30:0.41 60:0.520 90:0.530";
        // box and mask AP barely move: +0.5 and -0.2 points
        List<ResultRow> rows = List.of(curveRow("moco", "0", seed0, "30:0.1 60:0.300 90:0.305", "30:0.1 60:0.200 90:0.198"),
                curveRow("moco", "1", seed1, "30:0.1 60:0.300 90:0.305", "30:0.1 60:0.200 90:0.198"),
                curveRow("supervised", "0", "30:0.4 60:0.600 90:0.605", "30:0.1 60:0.300 90:0.302", "30:0.1 60:0.2 90:0.2"));
        List<String> lines = TransferExperiment.plateauLines(SeedGroups.of(rows, List.of("init", "regime", "schedule")),
                List.of("same"));
        assertThat(lines).containsExactly(
                "- same, supervised (1 seed): mIoU +0.5 (steps 60 to 90), box AP +0.2 (steps 60 to 90),"
                        + " mask AP +0.0 (steps 60 to 90): plateaued",
                "- same, moco (2 seeds): mIoU +1.5 (steps 60 to 90), box AP +0.5 (steps 60 to 90),"
                        + " mask AP -0.2 (steps 60 to 90): still moving");
        // two evaluations: the last third is the last step between them
        assertThat(new TransferExperiment.MeanCurve(new double[] {10, 20}, new double[] {0.1, 0.3}, new double[2], 1)
                .lastThird()).containsExactly(10, 20, 0.3 - 0.1);
        assertThat(new TransferExperiment.MeanCurve(new double[] {10}, new double[] {0.1}, new double[1], 1).lastThird()).isNull();
    }

    @Test
    void whatTwoTimesAddsIsTheDifferenceOfTheScheduleMeansAgainstItsStandardError() {
        // mIoU: 1x 0.50, 0.52, 0.54 and 2x 0.56, 0.58, 0.60: +6.0 points, standard error sqrt(2 · 0.02² / 3) = 1.6 points
        // box AP: 1x 0.30, 0.31, 0.32 and 2x 0.305, 0.315, 0.325: +0.5 points, standard error 0.8 points
        List<ResultRow> rows = new java.util.ArrayList<>();
        double[][] miou = {{0.50, 0.52, 0.54}, {0.56, 0.58, 0.60}};
        double[][] ap = {{0.30, 0.31, 0.32}, {0.305, 0.315, 0.325}};
        for (int schedule = 0; schedule < 2; schedule++) {
            for (int seed = 0; seed < 3; seed++) {
                rows.add(new ResultRow(Map.of("init", "moco", "regime", "novel", "schedule", schedule == 0 ? "1x" : "2x",
                        "seed", Integer.toString(seed), "miou", Double.toString(miou[schedule][seed]),
                        "ap", Double.toString(ap[schedule][seed]), "mask_ap", "0.2")));
            }
        }
        // a 1x row alone has nothing to compare with
        rows.add(new ResultRow(Map.of("init", "random", "regime", "novel", "schedule", "1x", "seed", "0", "miou", "0.4")));
        List<String> lines = TransferExperiment.scheduleGainLines(SeedGroups.of(rows, List.of("init", "regime", "schedule")),
                List.of("novel"));
        assertThat(lines).containsExactly(
                "- novel, moco, mIoU: 2x − 1x = +6.0 ± 1.6 points (standard error; n = 3, 3): 2x ahead, beyond two standard errors",
                "- novel, moco, box AP: 2x − 1x = +0.5 ± 0.8 points (standard error; n = 3, 3): within two standard errors,"
                        + " no difference established",
                "- novel, moco, mask AP: 2x − 1x = +0.0 ± 0.0 points (standard error; n = 3, 3): within two standard errors,"
                        + " no difference established");
    }

    @Test
    void theGridTimeCountsEveryFineTuningAndEachPretrainingOnce() {
        // fine-tuning 1000 + 1000 + 1800 × 3 s = 2.1 h; encoders: random 100 s (shared by the regimes), moco-same 3660 s,
        // and moco-same pretrained again (on another machine) for its third row, 7260 s: 11,020 s = 3.1 h
        List<ResultRow> rows = List.of(timedRow("random", "same", "0", 0, 100, 1000), timedRow("random", "novel", "0", 0, 100, 1000),
                timedRow("moco", "same", "0", 3600, 60, 1800), timedRow("moco", "same", "1", 3600, 60, 1800),
                timedRow("moco", "same", "2", 7200, 60, 1800));
        assertThat(TransferExperiment.gridTime(rows)).isEqualTo("Grid time, as the 5 row(s) recorded it: 2.1 h of fine-tuning"
                + " and 3.1 h of pretraining and frozen evaluation for 3 encoder(s), 5.1 h in all.");
        assertThat(TransferExperiment.perEncoder(rows.subList(2, 5), "pretrain_seconds", MarkdownTable::duration))
                .as("each pretraining's value, in row order").isEqualTo("60 min 00 s, 120 min 00 s");
        assertThat(TransferExperiment.perEncoder(rows.subList(2, 4), "pretrain_seconds", MarkdownTable::duration))
                .as("one pretraining, one value").isEqualTo("60 min 00 s");
    }

    private static ResultRow timedRow(String init, String regime, String seed, double pretrain, double frozen, double fineTune) {
        return new ResultRow(Map.of("init", init, "regime", regime, "schedule", "1x", "seed", seed,
                "pretrain_seconds", Double.toString(pretrain), "frozen_eval_seconds", Double.toString(frozen),
                "finetune_seconds", Double.toString(fineTune)));
    }

    private static ResultRow curveRow(String init, String seed, String miou, String boxAp, String maskAp) {
        return new ResultRow(Map.of("init", init, "regime", "same", "schedule", "1x", "budget", "small", "seed", seed,
                "miou_curve", miou, "ap_curve", boxAp, "mask_ap_curve", maskAp));
    }

    @Test
    void aMarkdownTableHasAHeaderRuleAndOneLinePerRow() {
        String table = new MarkdownTable(List.of("m", "kNN %")).row(List.of("0.99", "71.2")).render();
        assertThat(table).isEqualTo("| m | kNN % |\n|---|---|\n| 0.99 | 71.2 |\n");
        assertThatThrownBy(() -> new MarkdownTable(List.of("a", "b")).row(List.of("1"))).hasMessageContaining("1 cells for the 2 columns");
    }

    @Test
    void budgetsAreNamedAndSetEpochsBatchAndGroups() {
        assertThat(Budget.named("small")).isEqualTo(Budget.SMALL);
        assertThat(Budget.named(" FULL ")).isEqualTo(Budget.FULL);
        assertThatThrownBy(() -> Budget.named("huge")).hasMessageContaining("unknown budget 'huge'; use small, full");
        assertThat(Budget.SMALL.settings()).containsEntry(MocoConfig.EPOCHS, "2").containsEntry(MocoConfig.BATCH_SIZE, "256")
                .containsEntry(MocoConfig.SHUFFLE_GROUPS, "8");
        assertThat(Budget.FULL.pick(1, 2, 3)).isEqualTo(3);
    }

    @Test
    void aThirdPartyDictionaryNamesTheSettingThatHoldsK() {
        DictionaryRegistry registry = DictionaryRegistry.discover();
        assertThat(MechanismsExperiment.ExtraDictionary.parse("random-negatives:random-negatives.count", registry))
                .isEqualTo(new MechanismsExperiment.ExtraDictionary("random-negatives", "random-negatives.count"));
        assertThatThrownBy(() -> MechanismsExperiment.ExtraDictionary.parse("random-negatives:count", registry))
                .hasMessageContaining("'count' is not a setting of random-negatives; its settings: random-negatives.count");
        assertThatThrownBy(() -> MechanismsExperiment.ExtraDictionary.parse("queue", registry))
                .hasMessageContaining("queue is already on the chart");
    }

    @Test
    void theSmallMechanismsPlanRunsEveryMechanismAtEveryKAndTwoKWithASecondSeed() {
        var plan = new MechanismsExperiment(List.of(), 1024).plan(Budget.SMALL, 10_000, 0.03, DictionaryRegistry.discover(),
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertThat(runsOfSeed(plan, 0))
                .containsExactly("untrained@", "end-to-end@256", "memory-bank@256", "memory-bank+encoder-init@256", "queue@256",
                        "end-to-end@512", "memory-bank@1024", "memory-bank+encoder-init@1024", "queue@1024",
                        "memory-bank@4096", "memory-bank+encoder-init@4096", "queue@4096");
        assertThat(runsOfSeed(plan, 1))
                .containsExactly("untrained@", "end-to-end@256", "memory-bank@256", "memory-bank+encoder-init@256", "queue@256",
                        "memory-bank@4096", "memory-bank+encoder-init@4096", "queue@4096");
        PlannedRun endToEnd = plan.stream().filter(r -> r.key().equals(Map.of("mechanism", "end-to-end", "k", "512")))
                .findFirst().orElseThrow();
        assertThat(endToEnd.settings()).containsEntry(MocoConfig.BATCH_SIZE, "512").containsEntry(MocoConfig.LEARNING_RATE, "0.06");
    }

    @Test
    void theFullMechanismsPlanRunsSeedZeroEverywhereFirstThenTwoMoreSeedsAtTwoK() {
        var notes = new ByteArrayOutputStream();
        var plan = new MechanismsExperiment(List.of(), 1024).plan(Budget.FULL, 60_000, 0.03, DictionaryRegistry.discover(),
                new PrintStream(notes, true, StandardCharsets.UTF_8));
        assertThat(runsOfSeed(plan, 0))
                .containsExactly("untrained@", "end-to-end@256", "memory-bank@256", "memory-bank+encoder-init@256", "queue@256",
                        "end-to-end@512", "end-to-end@1024", "memory-bank@1024", "memory-bank+encoder-init@1024", "queue@1024",
                        "memory-bank@4096", "memory-bank+encoder-init@4096", "queue@4096",
                        "memory-bank@16384", "memory-bank+encoder-init@16384", "queue@16384", "queue@65536");
        for (long seed : new long[] {1, 2}) {
            assertThat(runsOfSeed(plan, seed))
                    .containsExactly("untrained@", "end-to-end@256", "memory-bank@256", "memory-bank+encoder-init@256",
                            "queue@256", "memory-bank@4096", "memory-bank+encoder-init@4096", "queue@4096");
        }
        assertThat(plan.indexOf(plan.stream().filter(r -> r.seed() == 1).findFirst().orElseThrow()))
                .isGreaterThan(plan.indexOf(plan.stream().filter(r -> r.key().get("k").equals("65536")).findFirst().orElseThrow()));
        assertThat(notes.toString(StandardCharsets.UTF_8)).contains("memory bank K=65536 left out");
    }

    /** {@code mechanism@k} of the plan's runs of {@code seed}, in plan order. */
    private static List<String> runsOfSeed(List<PlannedRun> plan, long seed) {
        return plan.stream().filter(r -> r.seed() == seed).map(r -> r.key().get("mechanism") + "@" + r.key().get("k")).toList();
    }
}
