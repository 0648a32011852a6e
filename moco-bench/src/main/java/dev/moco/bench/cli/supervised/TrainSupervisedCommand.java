package dev.moco.bench.cli.supervised;

import dev.moco.api.Encoder;
import dev.moco.bench.cli.ChannelsOption;
import dev.moco.bench.cli.ClassesOption;
import dev.moco.bench.cli.ProgressOption;
import dev.moco.bench.cli.RunOptions;
import dev.moco.bench.cli.RunDirectory;
import dev.moco.bench.cli.downstream.EpochTable;
import dev.moco.bench.cli.downstream.StepProgress;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointWriter;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.CheckpointContents;
import dev.moco.core.run.ConfiguredEncoder;
import dev.moco.core.run.PretrainedEncoder;
import dev.moco.core.run.TrainingImages;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.wiring.TrainingData;
import dev.moco.downstream.supervised.SupervisedSettings;
import dev.moco.downstream.supervised.SupervisedTraining;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.Precision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code moco train-supervised}: the supervised pre-training baseline. The encoder of
 * {@code --encoder} gets a linear classifier head ({@code fc}, one output per class) and is
 * trained on the labels with the pretraining augmentation (one view per image) and SGD with
 * momentum, weight decay and a cosine schedule. Writes {@code <out>/latest.zip}, a checkpoint
 * in the pretraining layout (query-encoder tensors, encoder spec, implementation,
 * normalisation, image size) that {@code eval} and {@code transfer} read, plus
 * {@code metrics.csv} and {@code training.png}; after every epoch a checkpoint with the
 * optimizer state in {@code checkpoints/}, from which {@code --resume} continues exactly.
 */
@Command(name = "train-supervised", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = TrainSupervisedCommand.Defaults.class,
        description = "Supervised pre-training baseline: the same encoder with a linear classifier, trained on labels.",
        footer = {"", "Writes <out>/latest.zip (accepted by eval and transfer), metrics.csv and training.png.",
            "Last line: supervised train accuracy: <mean accuracy of the last epoch>"})
public final class TrainSupervisedCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "IDX files or an image folder (its train split is used).")
    Path data;

    @Option(names = "--epochs", required = true, paramLabel = "N", description = "Passes over the training images.")
    int epochs;

    /** --out (default runs/supervised), --overwrite, --resume. */
    @Mixin
    RunOptions run;

    /** The default --out, the command's own. */
    public static final class Defaults implements IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec argument) {
            return argument instanceof OptionSpec o && o.longestName().equals("--out") ? "runs/supervised" : null;
        }
    }

    @Option(names = "--encoder", defaultValue = "resnet20", paramLabel = "ARCH", description = "Architecture (default: ${DEFAULT-VALUE}).")
    String architecture;

    @Option(names = "--encoder-impl", defaultValue = "auto", paramLabel = "IMPL", description = "auto, fast or reference (default: ${DEFAULT-VALUE}).")
    String implementation;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0.1", paramLabel = "LR", description = "Initial learning rate, cosine schedule (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--momentum", defaultValue = "0.9", paramLabel = "M", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "1e-4", paramLabel = "WD", description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--augmentation", defaultValue = "v2", paramLabel = "PRESET",
            description = "v1, v2 (aug+) or none, as in pretraining (default: ${DEFAULT-VALUE}).")
    String augmentation;

    @Option(names = "--image-size", defaultValue = "28", paramLabel = "PX", description = "Training view side (default: ${DEFAULT-VALUE}).")
    int imageSize;

    @Mixin
    ProgressOption progress;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Initialisation, order and augmentation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--workers", defaultValue = "1", paramLabel = "N", description = "Augmentation threads (default: ${DEFAULT-VALUE}).")
    int workers;

    @Mixin
    ChannelsOption channels;

    @Mixin
    ClassesOption classSelection;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter console = spec.commandLine().getOut();
        validateOptions();
        RunDirectory.Start start = run.check();
        TrainingImages trainImages = TrainingImages.open(data, "train", imageSize, channels.channels());
        ImageDataset train = classSelection.select(trainImages.dataset(), trainImages);
        if (batchSize > train.size()) {
            throw new ParameterException(spec.commandLine(), "--batch-size " + batchSize + " is larger than the "
                    + train.size() + " training images of " + data);
        }
        int classes = 0;
        for (int i = 0; i < train.size(); i++) {
            if (train.label(i) < 0) {
                throw new IllegalArgumentException(data + ": image " + i + " of the training split has no label");
            }
            classes = Math.max(classes, train.label(i) + 1);
        }
        EncoderSpec spec = EncoderSpec.of(architecture).withInputChannels(train.channels()).withHead(HeadType.LINEAR)
                .withFeatureDimension(classes).withSeed(seed);
        EncoderImplementation impl = EncoderImplementation.choose(spec, implementation);
        Encoder encoder = impl.create(spec);
        Normalize normalize = TrainingData.estimateNormalization(train, 10_000);
        SupervisedSettings settings = new SupervisedSettings(epochs, batchSize, learningRate, momentum, weightDecay, seed, workers);
        console.println("supervised: " + spec.architecture() + " (" + impl.id() + ") + linear classifier of " + classes
                + " classes on " + classSelection.describe(trainImages) + "; " + settings + ", augmentation " + augmentation);
        SupervisedTraining training = new SupervisedTraining(encoder, settings, AugmentationPreset.parse(augmentation)
                .pipeline(train.shape(), imageSize, imageSize, normalize));
        Map<String, String> identity = identity(spec);
        int done = 0;
        if (start.resumeFrom() != null) {
            Checkpoint saved = start.resumeFrom().checkpoint();
            RunDirectory.requireSameRun(saved, IDENTITY, identity, start.resumeFrom().file());
            training.restore(saved.components());
            done = saved.position().completedEpochs();
            console.printf(Locale.ROOT, "resuming %s after epoch %d of %d%n", start.resumeFrom().file(), done, epochs);
        }
        start.begin(System.err);
        Path out = start.dir();
        EpochTable table = new EpochTable(out, List.of("loss", "train_accuracy", "images_per_second", "learning_rate"),
                List.of("train_accuracy"));
        table.readBack(done);
        long stepsPerEpoch = train.size() / batchSize;
        EpochLogger log = new EpochLogger(console, table, "supervised " + spec.architecture() + ", " + data.getFileName(),
                epoch -> {
                    Checkpoint.Builder c = checkpoint(new TrainingPosition(epoch, 0, epoch * stepsPerEpoch, stepsPerEpoch),
                            spec, impl, train, normalize, encoder).properties(IDENTITY, identity);
                    c.tensors(Checkpoint.OPTIMIZER, training.state().get(Checkpoint.OPTIMIZER));
                    start.checkpoints().saveEpoch(epoch, c.build());
                });
        training.run(train, log, done);
        Checkpoint checkpoint = checkpoint(new TrainingPosition(epochs, 0, epochs * stepsPerEpoch, stepsPerEpoch), spec, impl,
                train, normalize, encoder).build();
        Path file = out.resolve(RunDirectory.MODEL);
        new CheckpointWriter().write(checkpoint, file);
        console.println("wrote " + file + " (use it with --checkpoint / --init)");
        if (done == epochs) {
            console.println("the run in " + out + " was already complete (" + done + " of " + epochs + " epochs)");
        }
        console.printf(Locale.ROOT, "supervised train accuracy: %.4f%n", table.last("train_accuracy"));
        console.flush();
        return 0;
    }

    /** Prefix of the checkpoint properties that say which run it belongs to. */
    private static final String IDENTITY = "supervised.";

    /** What makes a run this run: a resumed run must have every one of these as it was. */
    private Map<String, String> identity(EncoderSpec encoderSpec) {
        Map<String, String> id = new TreeMap<>();
        // the classes are named only where chosen, so runs from before --classes existed resume
        id.put("data", classSelection.describe(data.toAbsolutePath().normalize()));
        id.put("encoder", encoderSpec.toString());
        id.put("settings", List.of(epochs, batchSize, learningRate, momentum, weightDecay, seed, imageSize).toString());
        id.put("augmentation", augmentation);
        return id;
    }

    /** Checks the options on their own, by the names the user typed, before anything is read or written. */
    private void validateOptions() {
        List<String> problems = new ArrayList<>();
        if (epochs < 1) {
            problems.add("--epochs must be at least 1, got " + epochs);
        }
        if (batchSize < 2) {
            problems.add("--batch-size must be at least 2 (batch statistics), got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            problems.add("--lr must be a positive number, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            problems.add("--momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            problems.add("--weight-decay must be 0 or more, got " + weightDecay);
        }
        if (imageSize < 1) {
            problems.add("--image-size must be at least 1 pixel, got " + imageSize);
        }
        if (workers < 1) {
            problems.add("--workers must be at least 1, got " + workers);
        }
        try {
            AugmentationPreset.parse(augmentation);
        } catch (IllegalArgumentException e) {
            problems.add("--augmentation: " + e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new ParameterException(spec.commandLine(), String.join("\n", problems));
        }
    }

    /** The model checkpoint in the pretraining layout, at {@code position}; tensors of the encoder as they are. */
    private Checkpoint.Builder checkpoint(TrainingPosition position, EncoderSpec spec, EncoderImplementation impl,
            ImageDataset train, Normalize normalize, Encoder encoder) {
        Map<String, String> config = new TreeMap<>();
        config.put(MocoConfig.IMAGE_SIZE, Integer.toString(imageSize));
        config.put(MocoConfig.AUGMENTATION, augmentation);
        config.put(MocoConfig.BATCH_SIZE, Integer.toString(batchSize));
        config.put(MocoConfig.EPOCHS, Integer.toString(epochs));
        config.put(MocoConfig.SEED, Long.toString(seed));
        return Checkpoint.builder(position)
                .property(PretrainedEncoder.TRAINED_BY, PretrainedEncoder.SUPERVISED)
                .properties(CheckpointContents.CONFIG_PREFIX, config)
                .properties(CheckpointContents.ENCODER_PREFIX, new ConfiguredEncoder(spec, impl, Precision.FP32).description().properties())
                .property(CheckpointContents.DATA_SIZE, Integer.toString(train.size()))
                .property(CheckpointContents.DATA_SOURCE, classSelection.describe(data))
                .properties("", CheckpointContents.normalizeProperties(normalize))
                .tensor(Checkpoint.QUERY_ENCODER, "parameters", encoder.parameters())
                .tensor(Checkpoint.QUERY_ENCODER, "buffers", encoder.buffers());
    }

    /** Progress bar per epoch, a metrics row and a console line after each. */
    private final class EpochLogger implements SupervisedTraining.Listener {
        private final java.io.PrintWriter console;
        private final EpochTable table;
        private final String title;
        private final java.util.function.IntConsumer checkpoint;
        private StepProgress bar;

        EpochLogger(java.io.PrintWriter console, EpochTable table, String title, java.util.function.IntConsumer checkpoint) {
            this.console = console;
            this.table = table;
            this.title = title;
            this.checkpoint = checkpoint;
        }

        @Override
        public void afterStep(int epoch, long step, long stepsPerEpoch, double loss, double accuracy, double imagesPerSecond) {
            if (bar == null) {
                bar = new StepProgress(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs), stepsPerEpoch, progress.bars());
            }
            bar.stepTo(step, String.format(Locale.ROOT, "loss %.4f acc %.4f %.0f img/s", loss, accuracy, imagesPerSecond));
        }

        @Override
        public void afterEpoch(int epoch, double meanLoss, double meanAccuracy, double imagesPerSecond, double learningRate) {
            if (bar != null) {
                bar.close();
                bar = null;
            }
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("loss", meanLoss);
            row.put("train_accuracy", meanAccuracy);
            row.put("images_per_second", imagesPerSecond);
            row.put("learning_rate", learningRate);
            table.add(epoch, row);
            table.write(title);
            checkpoint.accept(epoch);
            console.printf(Locale.ROOT, "epoch %d: loss %.4f, train accuracy %.4f, %.0f img/s%n", epoch, meanLoss,
                    meanAccuracy, imagesPerSecond);
        }
    }
}
