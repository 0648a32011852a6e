package dev.moco.downstream.transfer;

import dev.moco.core.optim.LinearWarmup;
import dev.moco.core.optim.StepDecaySchedule;
import java.util.stream.IntStream;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The fine-tuning schedule, the same for every initialisation (He et al. 2020, Sec. 4.2:
 * "the same fine-tuning schedule" for supervised and MoCo): SGD with heavy-ball momentum and
 * weight decay on the whole backbone and the head, BN in training mode, the learning rate
 * divided by 10 after 5/8 and 7/8 of the epochs. Detectron's step schedule drops it at 2/3 and
 * 8/9, so its first drop, and the points the drop adds, fall at the start of the schedule's last
 * third; here the whole last third runs at the lowered rate, and whether a metric has stopped
 * moving there says whether fine-tuning at that rate has converged. The rate first warms up
 * linearly over {@code warmupSteps} steps, as detectron2's does.
 *
 * <p>A longer schedule stretches the 1× one as detectron2's 2× does (180k iterations with
 * milestones 120k and 160k against 90k, 60k and 80k): {@code schedule} times the epochs, each
 * milestone {@code schedule} times the 1× one's, so that 1× and 2× drop the rate at the same
 * fraction of their training even where 2/3 of the 1× epochs is not a whole epoch.
 *
 * @param epochs passes over the training canvases, all of the schedule ({@code schedule} × the 1× epochs)
 * @param batchSize canvases per step
 * @param learningRate initial learning rate
 * @param momentum SGD momentum
 * @param weightDecay L2 weight decay
 * @param headWidth channels of the head's fused features
 * @param seed head initialisation and batch order
 * @param schedule the multiple of the 1× schedule: 1 for 1×, 2 for 2×
 * @param warmupSteps steps of a linear warm-up from {@value #WARMUP_START_FACTOR} of the rate
 *     ({@link dev.moco.core.optim.LinearWarmup}, detectron2's), the same in every schedule; 0: none
 */
public record FineTuneSettings(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
        int headWidth, long seed, int schedule, int warmupSteps) {

    /** The warm-up's first factor, detectron2's {@code WARMUP_FACTOR}. */
    public static final double WARMUP_START_FACTOR = 0.001;

    public FineTuneSettings {
        if (epochs < 1 || batchSize < 1 || headWidth < 1) {
            throw new IllegalArgumentException("epochs, batch size and head width must be positive, got " + epochs + ", "
                    + batchSize + ", " + headWidth);
        }
        if (!(learningRate > 0) || !(momentum >= 0 && momentum < 1) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("need learning rate > 0, momentum in [0, 1), weight decay >= 0; got "
                    + learningRate + ", " + momentum + ", " + weightDecay);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmupSteps);
        }
        if (schedule < 1 || epochs % schedule != 0) {
            throw new IllegalArgumentException("a " + schedule + "x schedule needs a whole multiple of " + schedule
                    + " epochs (that many times the 1x epochs), got " + epochs);
        }
    }

    /** A schedule without warm-up. */
    public FineTuneSettings(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
            int headWidth, long seed, int schedule) {
        this(epochs, batchSize, learningRate, momentum, weightDecay, headWidth, seed, schedule, 0);
    }

    /** The 1× schedule of {@code epochs} epochs, without warm-up. */
    public FineTuneSettings(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
            int headWidth, long seed) {
        this(epochs, batchSize, learningRate, momentum, weightDecay, headWidth, seed, 1);
    }

    /** {@return the learning rate of every step: the step schedule of {@link #milestones()} behind the warm-up} */
    public ISchedule learningRates() {
        return new LinearWarmup(new StepDecaySchedule(learningRate, milestones(), 0.1), warmupSteps, WARMUP_START_FACTOR);
    }

    /**
     * The multiple of the 1× schedule a schedule's name stands for: "1x" is 1, "2x" (or "2") is 2.
     *
     * @throws IllegalArgumentException naming the value when it is no whole multiple of at least 1
     */
    public static int scheduleMultiple(String name) {
        String n = name.strip().toLowerCase(java.util.Locale.ROOT);
        n = n.endsWith("x") ? n.substring(0, n.length() - 1) : n;
        try {
            int multiple = Integer.parseInt(n);
            if (multiple >= 1) {
                return multiple;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("a schedule is 1x, 2x, ... (a whole multiple of the 1x schedule), got '" + name
                + "'");
    }

    /**
     * The epochs (from 0) at whose start the learning rate drops tenfold: ⌊5E/8⌋ and ⌊7E/8⌋
     * of the 1× epochs E, those ≥ 1, each times {@link #schedule()}.
     */
    public int[] milestones() {
        int baseEpochs = epochs / schedule;
        return IntStream.of(5 * baseEpochs / 8, 7 * baseEpochs / 8).filter(m -> m >= 1).distinct().map(m -> m * schedule)
                .toArray();
    }
}
