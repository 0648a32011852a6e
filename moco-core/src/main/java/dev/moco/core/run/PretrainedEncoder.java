package dev.moco.core.run;

import dev.moco.api.Encoder;
import dev.moco.api.FeatureMapEncoder;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.CheckpointException;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.augment.Normalize;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.EncoderWeights;
import dev.moco.encoders.Encoders;
import dev.moco.encoders.NamedParameters;
import dev.moco.encoders.ResNetEncoder;
import dev.moco.encoders.interop.TorchvisionResNets;
import dev.moco.encoders.interop.WeightsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A trained encoder loaded for use on one's own images: from a pretraining checkpoint, a
 * supervised checkpoint ({@code moco train-supervised}), an encoder weights file
 * ({@link EncoderWeights}, full or backbone only), or a file from PyTorch (an official MoCo
 * checkpoint, a torchvision ResNet state dict, {@code .pth} zip or legacy, or safetensors; see
 * {@link TorchvisionResNets}). It gives the backbone's pooled output
 * ({@link Encoder#represent}) after the normalisation the run trained with, and the stage
 * feature maps for fine-tuning.
 *
 * <pre>{@code
 * PretrainedEncoder pretrained = PretrainedEncoder.load(Path.of("runs/v2"));   // or a .zip, or weights
 * INDArray features = pretrained.features(images);     // [N, C, H, W] in [0, 1] -> [N, D]
 * }</pre>
 *
 * <p>A checkpoint records the encoder's architecture, the code that ran it, the normalisation
 * and the image size. A weights file (moco's or PyTorch's) records the architecture only: its
 * images are taken as they are given (no normalisation), at any size the architecture accepts.
 *
 * <p>{@link #close()} frees the encoder's native memory; a reference copy made by
 * {@link #featureMapEncoder()} belongs to its caller.
 */
public final class PretrainedEncoder implements AutoCloseable {

    /** Checkpoint property saying what trained the encoder ({@code supervised}; absent for pretraining). */
    public static final String TRAINED_BY = "trained-by";
    /** Value of {@link #TRAINED_BY} in checkpoints of supervised training. */
    public static final String SUPERVISED = "supervised";

    private final Encoder encoder;
    private final Optional<EncoderSpec> spec;
    private final Optional<Normalize> normalization;
    private final Optional<Integer> imageSize;
    private final String description;

    private PretrainedEncoder(Encoder encoder, Optional<EncoderSpec> spec, Optional<Normalize> normalization,
            Optional<Integer> imageSize, String description) {
        this.encoder = encoder;
        this.spec = spec;
        this.normalization = normalization;
        this.imageSize = imageSize;
        this.description = description;
    }

    /**
     * Loads a checkpoint or a weights file into a new encoder of the architecture it records,
     * run by the code it records (checkpoints) or by {@code encoder.impl = auto} (weights).
     *
     * @param source a checkpoint {@code .zip}, a directory holding {@code latest.zip} (a
     *     checkpoint directory or a run directory with {@code checkpoints/}), an encoder
     *     weights file, or a PyTorch checkpoint or safetensors file
     * @return the loaded encoder, with the normalisation and image size the source records
     * @throws IllegalArgumentException if {@code source} does not exist or is not a zip file
     * @throws CheckpointException if there is no readable checkpoint or it records no valid encoder
     */
    public static PretrainedEncoder load(Path source) {
        return load(source, "auto");
    }

    /**
     * As {@link #load(Path)}, with the code that runs the encoder chosen by {@code implementation}
     * ({@code auto}, {@code fast} or {@code reference}) for a weights file; a checkpoint keeps
     * the implementation it records.
     *
     * @param source a checkpoint {@code .zip}, a directory holding {@code latest.zip}, or an encoder weights file
     * @param implementation {@code auto}, {@code fast} or {@code reference}
     * @return the loaded encoder, with the normalisation and image size the source records
     */
    public static PretrainedEncoder load(Path source, String implementation) {
        if (!Files.exists(source)) {
            throw new IllegalArgumentException(source + " does not exist: give a checkpoint (.zip or run directory),"
                    + " an encoder weights file, a PyTorch .pth or a safetensors file");
        }
        Optional<WeightsFile.Format> pytorch = WeightsFile.detect(source);
        if (pytorch.isPresent()) {
            TorchvisionResNets.Imported imported = TorchvisionResNets.read(source, 0);
            return inImplementation(imported.encoder(), implementation,
                    pytorch.get().description() + " " + source + " (" + imported.layout() + ")");
        }
        if (Files.isRegularFile(source) && EncoderWeights.isWeightsFile(source)) {
            return inImplementation(EncoderWeights.loadEncoder(source), implementation, "encoder weights " + source);
        }
        Checkpoint c = CheckpointDirectory.load(source);
        ConfiguredEncoder configured = ConfiguredEncoder.of(c);
        return fromCheckpoint(c, configured.create(), Optional.of(configured.spec()), CheckpointDirectory.resolve(source));
    }

    /**
     * Loads the query encoder of a checkpoint into an encoder of one's own (any {@link Encoder}
     * of the architecture that was pretrained).
     *
     * @param checkpoint a checkpoint {@code .zip}, or a directory holding {@code latest.zip}
     * @param encoder a new encoder of the architecture that was pretrained; its parameters and
     *     buffers are overwritten
     * @return {@code encoder}, loaded, with the checkpoint's normalisation and image size
     * @throws CheckpointException if there is no readable checkpoint, or it was written for
     *     another architecture (naming the tensor and both shapes)
     */
    public static PretrainedEncoder load(Path checkpoint, Encoder encoder) {
        Checkpoint c = CheckpointDirectory.load(checkpoint);
        return fromCheckpoint(c, encoder, recordedSpec(c), CheckpointDirectory.resolve(checkpoint));
    }

    /**
     * A freshly initialised encoder of {@code spec} (the "random" initialisation of the
     * transfer comparisons), without normalisation.
     *
     * @param spec the architecture and its initialisation seed
     * @param implementation {@code auto}, {@code fast} or {@code reference}
     * @return the new encoder
     */
    public static PretrainedEncoder random(EncoderSpec spec, String implementation) {
        Encoder encoder = EncoderImplementation.choose(spec, implementation).create(spec);
        return new PretrainedEncoder(encoder, Optional.of(spec), Optional.empty(), Optional.empty(),
                "random " + spec.architecture() + " (seed " + spec.seed() + ")");
    }

    private static PretrainedEncoder fromCheckpoint(Checkpoint c, Encoder encoder, Optional<EncoderSpec> spec, Path file) {
        CheckpointContents.restoreQueryEncoder(c, encoder);
        Optional<Integer> size = Optional.ofNullable(CheckpointContents.configuration(c).get(MocoConfig.IMAGE_SIZE))
                .map(s -> Integer.parseInt(s.trim()));
        String kind = c.property(TRAINED_BY).map(by -> by + " training").orElse("MoCo pretraining");
        return new PretrainedEncoder(encoder, spec, Optional.of(CheckpointContents.normalize(c)), size,
                kind + " checkpoint " + file + " (epoch " + c.position().completedEpochs() + ")");
    }

    /** The architecture a checkpoint records; empty for a run of an encoder of one's own, which records none. */
    private static Optional<EncoderSpec> recordedSpec(Checkpoint c) {
        try {
            return Optional.of(ConfiguredEncoder.of(c).spec());
        } catch (CheckpointException e) {
            return Optional.empty();
        }
    }

    /** The loaded reference encoder, copied into the implementation asked for. */
    private static PretrainedEncoder inImplementation(ResNetEncoder reference, String implementation, String description) {
        EncoderSpec spec = reference.spec();
        Encoder encoder = EncoderImplementation.choose(spec, implementation).create(spec);
        if (encoder instanceof NamedParameters named) {
            NamedParameters.copy(reference, named);
        } else {
            encoder = reference;
        }
        return new PretrainedEncoder(encoder, Optional.of(spec), Optional.empty(), Optional.empty(), description);
    }

    /** {@return the encoder, holding the loaded parameters} */
    public Encoder encoder() {
        return encoder;
    }

    /** {@return the architecture, where the source records one (not for an encoder of one's own)} */
    public Optional<EncoderSpec> spec() {
        return spec;
    }

    /** {@return the normalisation the encoder was trained with; empty for weights files and random encoders} */
    public Optional<Normalize> normalization() {
        return normalization;
    }

    /** {@return the image size the encoder was trained at; empty where the source does not record it} */
    public Optional<Integer> imageSize() {
        return imageSize;
    }

    /** {@return one line saying what was loaded, from where} */
    public String description() {
        return description;
    }

    /**
     * The encoder as a {@link FeatureMapEncoder}, for fine-tuning through its stages. An
     * implementation that does not expose its stages is copied, tensor by tensor, into the
     * reference encoder of the same spec.
     *
     * @return the encoder, or a reference copy of it, with stage feature maps
     * @throws IllegalStateException if the encoder exposes neither stages nor named tensors of a known spec
     */
    public FeatureMapEncoder featureMapEncoder() {
        if (encoder instanceof FeatureMapEncoder stages) {
            return stages;
        }
        if (!(encoder instanceof NamedParameters named) || spec.isEmpty()) {
            throw new IllegalStateException(description + ": this encoder exposes neither stage feature maps"
                    + " nor named tensors of a known architecture");
        }
        ResNetEncoder reference = Encoders.create(spec.get());
        NamedParameters.copy(named, reference);
        return reference;
    }

    /**
     * The representations of {@code images}, normalised as in training, in inference mode.
     *
     * @param images [N, channels, height, width] with values in [0, 1] (as given, for a
     *     source without normalisation), at the size the run trained on where it records one
     * @return [N, representationDimension()]
     * @throws IllegalArgumentException if the images are not [N, C, H, W], not at the recorded
     *     image size, or have a number of channels the normalisation does not fit
     */
    public INDArray features(INDArray images) {
        long[] shape = images.shape();
        if (shape.length != 4) {
            throw new IllegalArgumentException("images must be [N, channels, height, width], got " + Arrays.toString(shape));
        }
        imageSize.ifPresent(size -> {
            if (shape[2] != size || shape[3] != size) {
                throw new IllegalArgumentException("images must be [N, channels, " + size + ", " + size
                        + "] (the encoder was trained at image.size=" + size + "), got " + Arrays.toString(shape));
            }
        });
        INDArray x = images.castTo(encoder.parameters().dataType()).dup('c');
        if (normalization.isPresent()) {
            Normalize normalize = normalization.get();
            if (!normalize.fits((int) shape[1])) {
                throw new IllegalArgumentException("images have " + shape[1] + " channels, the training normalisation "
                        + normalize.mean().length);
            }
            float[] mean = normalize.mean();
            float[] std = normalize.std();
            for (int c = 0; c < shape[1]; c++) {
                int k = mean.length == 1 ? 0 : c;
                x.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all())
                        .subi(mean[k]).divi(std[k]);
            }
        }
        INDArray features = encoder.represent(x);
        if (x.closeable()) {
            x.close();      // at once, not when the collector finds it (in a workspace the workspace frees it)
        }
        return features;
    }

    /** Frees the encoder's native resources; it must not be used afterwards. Idempotent. */
    @Override
    public void close() {
        encoder.close();
    }
}
