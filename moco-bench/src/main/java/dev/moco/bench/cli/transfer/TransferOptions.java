package dev.moco.bench.cli.transfer;

import dev.moco.bench.cli.downstream.EncoderOptions;
import dev.moco.bench.cli.RunDirectory;
import dev.moco.bench.cli.ProgressOption;
import dev.moco.bench.cli.RunOptions;
import dev.moco.downstream.canvas.CanvasDirectory;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.downstream.canvas.GarmentClasses;
import dev.moco.downstream.transfer.FineTuneSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every transfer command shares; defaults are the README's budget, epochs and lr per command ({@link TransferBudget}). */
public final class TransferOptions {

    @Option(names = "--init", required = true, paramLabel = "PATH|random",
            description = "A pretraining or supervised checkpoint, an encoder weights file, a PyTorch .pth or safetensors file, or 'random'.")
    String init;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "A canvas set (moco data canvases), or Fashion-MNIST IDX files to generate one from in memory.")
    Path data;

    /** --out (default from the command's {@link TransferBudget}), --overwrite, --resume. */
    @Mixin
    RunOptions run;

    static final String EPOCHS = "--epochs";
    static final String LEARNING_RATE = "--lr";

    /** Default from the command's {@link TransferBudget}. */
    @Option(names = EPOCHS, paramLabel = "N", description = "Fine-tuning epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "N", description = "Canvases per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    /** Default from the command's {@link TransferBudget}. */
    @Option(names = LEARNING_RATE, paramLabel = "LR",
            description = "Initial learning rate; x0.1 after 5/8 and 7/8 of the epochs (default: ${DEFAULT-VALUE}).")
    double learningRate;

    /** SGD momentum when {@code --momentum} is not given; the transfer benchmark's too. */
    public static final double DEFAULT_MOMENTUM = 0.9;

    @Option(names = "--momentum", defaultValue = "" + DEFAULT_MOMENTUM, paramLabel = "M", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    /** L2 weight decay when {@code --weight-decay} is not given; the transfer benchmark's too. */
    public static final double DEFAULT_WEIGHT_DECAY = 1e-4;

    @Option(names = "--weight-decay", defaultValue = "" + DEFAULT_WEIGHT_DECAY, paramLabel = "WD", description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    /** The head's width when {@code --head-width} is not given; the transfer benchmark's too. */
    public static final int DEFAULT_HEAD_WIDTH = 32;

    @Option(names = "--head-width", defaultValue = "" + DEFAULT_HEAD_WIDTH, paramLabel = "C", description = "Channels of the head (default: ${DEFAULT-VALUE}).")
    int headWidth;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Head initialisation and batch order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--warmup-steps", defaultValue = "100", paramLabel = "N", description = "Steps of a linear warm-up of the"
            + " learning rate from " + FineTuneSettings.WARMUP_START_FACTOR + " of it, the same in every schedule; 0: none"
            + " (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--train", defaultValue = "2048", paramLabel = "N",
            description = "Training canvases when generating from IDX files (default: ${DEFAULT-VALUE}).")
    int trainCanvases;

    @Option(names = "--test", defaultValue = "1000", paramLabel = "N",
            description = "Test canvases when generating from IDX files (default: ${DEFAULT-VALUE}).")
    int testCanvases;

    @Option(names = "--canvas-seed", defaultValue = "0", paramLabel = "S",
            description = "Generator seed when generating from IDX files (default: ${DEFAULT-VALUE}).")
    long canvasSeed;

    /** The canvas side when {@code --canvas-size} is not given: the canvases' own default ({@code moco data canvases}). */
    @Option(names = "--canvas-size", defaultValue = "" + CanvasSpec.DEFAULT_SIZE, paramLabel = "PX",
            description = "Canvas side when generating from IDX files (default: ${DEFAULT-VALUE}).")
    int canvasSize;

    @Option(names = "--head-impl", defaultValue = "auto", paramLabel = "IMPL",
            description = "The head's code: auto (fast where oneDNN loads), fast or reference (default: ${DEFAULT-VALUE}).")
    String headImplementation;

    @Mixin
    public ProgressOption progress;

    static final String CANVAS_CLASSES = "--canvas-classes";

    @Option(names = CANVAS_CLASSES, split = ",", paramLabel = "LABEL[,LABEL...]",
            description = "Build the generated canvases from these Fashion-MNIST classes only (train and test), e.g. 5,6,7,8,9;"
                    + " the head then has one class per label (default: all ten).")
    List<Integer> canvasClasses;

    static final String SCHEDULE = "--schedule";

    @Option(names = SCHEDULE, defaultValue = "1x", paramLabel = "Nx",
            description = "N times the epochs, each learning-rate milestone N times later, as detectron2's 2x stretches its 1x"
                    + " (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Mixin
    EncoderOptions encoder;

    /** The classes of the heads: those of {@code --canvas-classes}, or all ten. */
    GarmentClasses garmentClasses() {
        return canvasClasses == null ? GarmentClasses.ALL
                : GarmentClasses.of(canvasClasses.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The multiple of the 1× schedule {@code --schedule} names: "2x" (or "2") is 2.
     *
     * @throws IllegalArgumentException naming the option and the value when it is no whole multiple of at least 1
     */
    int scheduleMultiple() {
        try {
            return FineTuneSettings.scheduleMultiple(schedule);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SCHEDULE + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code --data} is a directory of IDX files the canvases are generated from (else a canvas set). */
    boolean generates() {
        return !CanvasDirectory.isCanvasDirectory(data);
    }

    /**
     * Checks every option on its own, by the name the user typed, before anything is read.
     *
     * @throws CommandLine.ParameterException listing every problem
     */
    void validate(CommandLine cli) {
        List<String> problems = new ArrayList<>();
        if (epochs < 1) {
            problems.add(EPOCHS + " must be at least 1, got " + epochs);
        }
        if (batchSize < 1) {
            problems.add("--batch-size must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            problems.add(LEARNING_RATE + " must be a positive number, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            problems.add("--momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            problems.add("--weight-decay must be 0 or more, got " + weightDecay);
        }
        if (headWidth < 1) {
            problems.add("--head-width must be at least 1, got " + headWidth);
        }
        if (warmupSteps < 0) {
            problems.add("--warmup-steps must be 0 or more, got " + warmupSteps);
        }
        try {
            EncoderImplementation.chooseForHead(headImplementation);
        } catch (IllegalArgumentException e) {
            problems.add("--head-impl: " + e.getMessage());
        }
        try {
            scheduleMultiple();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (canvasClasses != null) {
            try {
                garmentClasses();
            } catch (IllegalArgumentException e) {
                problems.add(CANVAS_CLASSES + " " + canvasClassesText() + ": " + e.getMessage());
            }
            if (Files.isDirectory(data) && !generates()) {
                problems.add(CANVAS_CLASSES + " chooses the classes of generated canvases, but " + data
                        + " is a canvas set; pass Fashion-MNIST's IDX files as --data");
            }
        }
        if (Files.isDirectory(data) && generates()) {
            if (trainCanvases < 1) {
                problems.add("--train must be at least 1 canvas, got " + trainCanvases);
            }
            if (testCanvases < 1) {
                problems.add("--test must be at least 1 canvas, got " + testCanvases);
            }
            if (canvasSize < 8) {
                problems.add("--canvas-size must be at least 8 pixels, got " + canvasSize);
            }
            if (trainCanvases >= 1 && batchSize > trainCanvases) {
                problems.add(batchSizeProblem(trainCanvases));
            }
        }
        if (!problems.isEmpty()) {
            throw new CommandLine.ParameterException(cli, String.join("\n", problems));
        }
    }

    /**
     * Checks a directory a command writes besides {@code --out} ({@code --coco-out},
     * {@code --masks-out}) before any work: that it can be written, and that it holds none of
     * {@code entries} of another run unless {@code --overwrite} or {@code --resume} is given.
     *
     * @throws IllegalArgumentException naming the option, the directory and the entry
     */
    void requireFreshOutput(String option, Path dir, List<String> entries) {
        RunDirectory.requireWritable(option, dir);
        for (String name : entries) {
            if (Files.exists(dir.resolve(name)) && !run.overwrite && !run.resume) {
                throw new IllegalArgumentException(option + " " + dir + " already holds " + name
                        + ": pass --overwrite to replace it, or choose another directory");
            }
        }
    }

    /** The {@code --canvas-classes} as typed, for messages: "5,6,7,8,9". */
    String canvasClassesText() {
        return canvasClasses.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }

    /** The message for a batch larger than the training set (checked again once a canvas set's size is read). */
    String batchSizeProblem(int trainingCanvases) {
        return "--batch-size " + batchSize + " is larger than the " + trainingCanvases + " training canvases";
    }
}
