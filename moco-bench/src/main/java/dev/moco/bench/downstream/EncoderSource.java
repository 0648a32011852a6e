package dev.moco.bench.downstream;

import dev.moco.api.Encoder;
import dev.moco.api.FeatureMapEncoder;
import dev.moco.bench.pretrain.TrainingSnapshot;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.TensorRestore;
import dev.moco.core.config.MocoConfig;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.EncoderWeights;
import dev.moco.encoders.Encoders;
import dev.moco.encoders.NamedParameters;
import dev.moco.encoders.ResNetEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads the encoder of the evaluation and transfer commands from any of:
 *
 * <ul>
 *   <li>a pretraining checkpoint ({@code moco pretrain}; a .zip or a run directory), or a
 *       supervised checkpoint ({@code moco train-supervised}), which has the same layout: the
 *       query encoder's parameters and buffers, its spec, implementation and normalisation;</li>
 *   <li>an encoder weights file ({@link EncoderWeights}, full or backbone only);</li>
 *   <li>{@code random}: a freshly initialised encoder of the given spec.</li>
 * </ul>
 */
public final class EncoderSource {

    /** The {@code --init} value for a randomly initialised encoder. */
    public static final String RANDOM = "random";
    /** Checkpoint property saying what trained the encoder ({@code supervised}; absent for pretraining). */
    public static final String TRAINED_BY = "trained-by";

    private EncoderSource() {
    }

    /**
     * @param source a checkpoint, a weights file or {@value #RANDOM}
     * @param randomSpec the architecture of a random encoder (ignored otherwise)
     * @param implementation {@code auto}, {@code fast} or {@code reference}, for random encoders and weights files
     */
    public static LoadedEncoder load(String source, EncoderSpec randomSpec, String implementation) {
        if (RANDOM.equals(source)) {
            Encoder encoder = EncoderImplementation.choose(randomSpec, implementation).create(randomSpec);
            return new LoadedEncoder(encoder, randomSpec, Optional.empty(), Optional.empty(),
                    "random " + randomSpec.architecture() + " (seed " + randomSpec.seed() + ")");
        }
        Path path = Path.of(source);
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(source + " does not exist: give a checkpoint (.zip or run directory),"
                    + " an encoder weights file, or '" + RANDOM + "'");
        }
        if (Files.isRegularFile(path) && isWeightsFile(path)) {
            return fromWeights(path, implementation);
        }
        return fromCheckpoint(path);
    }

    private static boolean isWeightsFile(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry manifest = zip.getEntry(EncoderWeights.MANIFEST);
            if (manifest == null) {
                return false;
            }
            Properties p = new Properties();
            try (InputStream in = zip.getInputStream(manifest)) {
                p.load(in);
            }
            return "moco-encoder-weights".equals(p.getProperty("format"));
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(file + " is not a zip file: neither a checkpoint nor encoder weights", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static LoadedEncoder fromWeights(Path file, String implementation) {
        Properties manifest = EncoderWeights.readManifest(file);
        EncoderSpec spec = EncoderSpec.fromProperties(manifest);
        ResNetEncoder reference = Encoders.create(spec);
        if ("backbone".equals(manifest.getProperty("content"))) {
            EncoderWeights.loadBackbone(reference, file);
        } else {
            EncoderWeights.loadInto(reference, file);
        }
        Encoder encoder = EncoderImplementation.choose(spec, implementation).create(spec);
        if (encoder instanceof NamedParameters named) {
            NamedParameters.copy(reference, named);
        } else {
            encoder = reference;
        }
        return new LoadedEncoder(encoder, spec, Optional.empty(), Optional.empty(), "encoder weights " + file);
    }

    private static LoadedEncoder fromCheckpoint(Path path) {
        Checkpoint c = CheckpointDirectory.load(path);
        EncoderSpec spec = TrainingSnapshot.encoderSpec(c);
        Encoder encoder = TrainingSnapshot.implementation(c).create(spec);
        Map<String, INDArray> live = new LinkedHashMap<>();
        live.put("parameters", encoder.parameters());
        live.put("buffers", encoder.buffers());
        TensorRestore.copy(Checkpoint.QUERY_ENCODER, live, c.component(Checkpoint.QUERY_ENCODER));
        Optional<Integer> size = Optional.ofNullable(TrainingSnapshot.configuration(c).get(MocoConfig.IMAGE_SIZE))
                .map(s -> Integer.parseInt(s.trim()));
        String kind = c.property(TRAINED_BY).orElse("MoCo pretraining");
        return new LoadedEncoder(encoder, spec, Optional.of(TrainingSnapshot.normalize(c)), size,
                kind + " checkpoint " + CheckpointDirectory.resolve(path) + " (epoch " + c.position().completedEpochs() + ")");
    }

    /**
     * The loaded encoder as a {@link FeatureMapEncoder}; an implementation that does not expose
     * its stages is copied, tensor by tensor, into the reference encoder of the same spec.
     */
    public static FeatureMapEncoder featureMapEncoder(LoadedEncoder loaded) {
        if (loaded.encoder() instanceof FeatureMapEncoder stages) {
            return stages;
        }
        if (!(loaded.encoder() instanceof NamedParameters named)) {
            throw new IllegalArgumentException(loaded.description() + ": this encoder exposes neither stage feature maps"
                    + " nor named tensors");
        }
        ResNetEncoder reference = Encoders.create(loaded.spec());
        NamedParameters.copy(named, reference);
        return reference;
    }
}
