package dev.moco.bench.cli.export;

import dev.moco.api.Encoder;
import dev.moco.bench.cli.ChannelsOption;
import dev.moco.bench.cli.RunDirectory;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.FiniteTensors;
import dev.moco.core.checkpoint.NonFiniteTensorException;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.CheckpointContents;
import dev.moco.core.run.ConfiguredEncoder;
import dev.moco.core.run.PretrainedEncoder;
import dev.moco.core.run.TrainingImages;
import dev.moco.core.wiring.TrainingData;
import dev.moco.downstream.FeatureExtractor;
import dev.moco.downstream.LabelledFeatures;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.interop.WeightsFile;
import dev.moco.tensorfile.Npy;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code moco export-features}: the backbone representation ({@code Encoder.represent}) of
 * every image of a data set split, in data set order, as a float32 {@code .npy} [N, D], and
 * the labels as an int64 {@code .npy} [N] beside it ({@code features.npy} →
 * {@code features.labels.npy}; -1 for unlabelled images). Images get the evaluation
 * transform recorded in the checkpoint (resize to {@code image.size}, normalisation).
 *
 * <pre>
 * ./moco export-features --checkpoint runs/v2 --data /usr/share/datasets/fashion-mnist --split test --out test.npy
 * python3 -c "import numpy as np; x = np.load('test.npy'); y = np.load('test.labels.npy'); print(x.shape, y[:10])"
 * </pre>
 */
@Command(name = "export-features", mixinStandardHelpOptions = true,
        description = "Writes the backbone features of every image of a data set split as .npy files.",
        footer = {"", "<out> gets float32 [N, D] features in data set order; <out without .npy>.labels.npy",
            "gets int64 [N] labels (-1 for unlabelled images)."},
        sortOptions = false)
public final class ExportFeaturesCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "A checkpoint .zip, a run (or checkpoints/) directory for its latest.zip, or a PyTorch .pth / safetensors file.")
    Path checkpoint;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Directory of IDX files or an image folder.")
    Path data;

    @Option(names = "--split", defaultValue = "train", paramLabel = "SPLIT", description = "train or test (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", description = "The features file to write.")
    Path out;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--l2-normalize", description = "Divide every feature vector by its L2 norm.")
    boolean l2Normalize;

    @Mixin
    ChannelsOption channels;

    @Override
    public Integer call() throws IOException {
        if (!out.getFileName().toString().endsWith(".npy")) {
            throw new IllegalArgumentException("--out must name a .npy file, got " + out);
        }
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a directory, not a .npy file");
        }
        RunDirectory.requireWritable("--out", out.toAbsolutePath().getParent());   // before any work
        EncoderSpec spec;
        Encoder encoder;
        int imageSize;
        ImageDataset images;
        Normalize normalize;
        if (WeightsFile.detect(checkpoint).isPresent()) {
            // a PyTorch file records no image size or normalisation: as eval does, IDX images at their own size
            // (image folders at 28), normalised by their estimated mean and std
            PretrainedEncoder loaded = PretrainedEncoder.load(checkpoint);
            spec = loaded.spec().orElseThrow();
            encoder = loaded.encoder();
            images = TrainingImages.open(data, split, 28, channels.channels()).dataset();
            imageSize = images.height();
            normalize = TrainingData.estimateNormalization(images, 10_000);
        } else {
            Checkpoint c = CheckpointDirectory.load(checkpoint);
            try {
                FiniteTensors.require(Checkpoint.QUERY_ENCODER, c.component(Checkpoint.QUERY_ENCODER));
            } catch (NonFiniteTensorException e) {
                throw new IllegalArgumentException("--checkpoint " + checkpoint + " cannot give meaningful features: its "
                        + e.getMessage(), e);
            }
            ConfiguredEncoder configured = ConfiguredEncoder.of(c);
            spec = configured.spec();
            encoder = configured.create();
            CheckpointContents.restoreQueryEncoder(c, encoder);
            imageSize = Integer.parseInt(CheckpointContents.configuration(c).get(MocoConfig.IMAGE_SIZE));
            images = TrainingImages.open(data, split, imageSize, channels.channels()).dataset();
            normalize = CheckpointContents.normalize(c);
        }
        if (images.channels() != spec.inputChannels()) {
            throw new IllegalArgumentException("the encoder takes " + spec.inputChannels() + "-channel images but "
                    + data + " has " + images.channels() + " channels");
        }
        FeatureExtractor extractor = new FeatureExtractor(AugmentationPreset.NONE.pipeline(images.shape(), imageSize,
                imageSize, normalize), batchSize);
        LabelledFeatures features;
        try {
            features = extractor.extract(encoder, images, l2Normalize);
        } finally {
            encoder.close();    // its native memory at once, not when the collector finds it
        }
        long dimension = features.features().size(1);

        Path labelsFile = labelsFileFor(out);
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16)) {
            Npy.write(features.features(), o);
        } finally {
            features.features().close();    // at once, not when the collector finds it
        }
        long[] labels = new long[features.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = features.labels()[i];
        }
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(labelsFile))) {
            Npy.write(labels, o);
        }
        System.out.printf(Locale.ROOT, "wrote %d features of dimension %d to %s and their labels to %s%n",
                features.size(), dimension, out, labelsFile);
        return 0;
    }

    /** {@code x/features.npy} → {@code x/features.labels.npy}. */
    static Path labelsFileFor(Path features) {
        String name = features.getFileName().toString();
        return features.resolveSibling(name.substring(0, name.length() - ".npy".length()) + ".labels.npy");
    }
}
