package dev.moco.bench.experiment;

import dev.moco.core.config.MocoConfig;
import dev.moco.core.wiring.DictionaryRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

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

    /** Writes the chart (PNG) and the Markdown table of {@code rows}, the rows of one budget. */
    void report(List<ResultRow> rows, Budget budget, Path chart, Path table);
}
