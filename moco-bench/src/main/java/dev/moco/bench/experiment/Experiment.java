package dev.moco.bench.experiment;

import dev.moco.core.config.MocoConfig;
import dev.moco.core.wiring.DictionaryRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One of the paper's comparisons as a list of runs: what it varies ({@link #keyColumns()}),
 * the runs a budget gets ({@link #plan}), and how its rows are drawn and tabulated
 * ({@link #report}). {@link ExperimentDriver} runs the plan, skipping rows already in
 * {@code results/<name>.csv}.
 */
interface Experiment {

    /** The command and file name: {@code results/<name>.csv}. */
    String name();

    /** The preset every run starts from. */
    String preset();

    /** The columns this experiment varies, identifying a row together with budget and seed. */
    List<String> keyColumns();

    /** Whether its runs write a row per epoch ({@link PlannedRun.Kind#PER_EPOCH}) rather than one per run. */
    default boolean perEpoch() {
        return false;
    }

    /**
     * The runs of {@code budget}, in the order they run; notes on runs left out (a K the data
     * cannot hold) go to {@code notes}.
     *
     * @param base the configuration every run starts from (preset, budget, the user's settings)
     */
    List<PlannedRun> plan(Budget budget, ExperimentData data, MocoConfig base, DictionaryRegistry registry, PrintStream notes);

    /**
     * Prints what the selected {@code plan} will do before its first run, given the rows the
     * results file already holds for this budget; by default nothing.
     */
    default void announce(List<PlannedRun> plan, List<ResultRow> rows, Budget budget, PrintStream out) {
    }

    /** The columns after the key columns; by default those of {@link ExperimentDriver}'s run kinds. */
    default List<String> valueColumns() {
        return perEpoch() ? ExperimentDriver.EPOCH_COLUMNS : ExperimentDriver.FINAL_COLUMNS;
    }

    /**
     * Runs a {@link PlannedRun.Kind#CUSTOM} run and returns its values ({@link #valueColumns()}).
     *
     * @param runDir the run's own directory (checkpoints of runs in progress)
     */
    default Map<String, String> runCustom(PlannedRun run, MocoConfig config, ExperimentData data, Budget budget, Path runDir,
            boolean progress, PrintStream out, PrintStream err) {
        throw new UnsupportedOperationException(name() + " plans no custom runs");
    }

    /** Writes the chart (PNG) and the Markdown table of {@code rows}, the rows of one budget. */
    void report(List<ResultRow> rows, Budget budget, Path chart, Path table);
}
