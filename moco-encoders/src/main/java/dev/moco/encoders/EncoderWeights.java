package dev.moco.encoders;

import dev.moco.tensorfile.TensorArchive;
import dev.moco.tensorfile.TensorFileException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Saves and loads encoder weights as a {@link TensorArchive}, the zip format checkpoints use
 * too (no Java serialization; digests over every entry; crafted or damaged files refused
 * before anything large is allocated):
 *
 * <ul>
 *   <li>{@code manifest.properties}: {@code format=moco-encoder-weights}, {@code version=2},
 *       {@code content=full} or {@code backbone}, the {@link EncoderSpec} keys
 *       ({@code architecture}, {@code inputChannels}, …) and the archive's tensor records;</li>
 *   <li>one {@code <name>.npy} per tensor (NumPy format, the encoder's data type, PyTorch
 *       layout and torchvision-style name, e.g. {@code layer1.0.conv1.weight.npy}
 *       [out, in, kh, kw], {@code bn1.running_var.npy} [C]);</li>
 *   <li>{@code manifest.sha256}, the manifest's digest.</li>
 * </ul>
 *
 * <p>A backbone file ({@link #saveBackbone}) holds only the tensors before the projection head,
 * with exactly torchvision's names, so e.g. Python can build a {@code state_dict} from it
 * ({@code num_batches_tracked} is not stored; load with {@code strict=False}).
 *
 * <pre>{@code
 * EncoderWeights.save(encoder, Path.of("fq.zip"));
 * ResNetEncoder restored = EncoderWeights.load(Path.of("fq.zip"));
 * EncoderWeights.loadBackbone(linearEvalEncoder, Path.of("fq.zip"));   // head untouched
 * }</pre>
 */
public final class EncoderWeights {

    /** Name of the manifest entry. */
    public static final String MANIFEST = TensorArchive.MANIFEST;
    static final String FORMAT = "moco-encoder-weights";
    static final String VERSION = "2";

    private EncoderWeights() {
    }

    /** Writes every tensor (parameters and BN buffers) and the spec to {@code file}. */
    public static void save(ResNetEncoder encoder, Path file) {
        save(encoder, encoder.spec(), file);
    }

    /**
     * Writes every tensor of an encoder of {@code spec} in either implementation (the fast
     * encoder has the same names and shapes as the reference), loadable by {@link #load} and
     * {@link #loadInto} into either.
     */
    public static void save(NamedParameters encoder, EncoderSpec spec, Path file) {
        write(file, spec, encoder.namedTensors(), "full");
    }

    /** Writes only the backbone tensors (torchvision names) and the spec to {@code file}. */
    public static void saveBackbone(ResNetEncoder encoder, Path file) {
        Map<String, INDArray> backbone = new LinkedHashMap<>();
        encoder.namedTensors().forEach((name, tensor) -> {
            if (!ResNetEncoder.isHeadTensor(name)) {
                backbone.put(name, tensor);
            }
        });
        write(file, encoder.spec(), backbone, "backbone");
    }

    /** Builds the encoder described by the file's manifest and loads all its tensors. */
    public static ResNetEncoder load(Path file) {
        Archive archive = read(file);
        if (!"full".equals(archive.manifest.getProperty("content"))) {
            throw new IllegalArgumentException(file + " holds only a backbone; build the encoder and use loadBackbone");
        }
        ResNetEncoder encoder = new ResNetEncoder(EncoderSpec.fromProperties(archive.manifest));
        assign(file, archive.tensors, encoder.namedTensors());
        return encoder;
    }

    /**
     * Loads a full file into an existing network of the same architecture (any implementation
     * of {@link NamedParameters}). Values are cast to the target's data type.
     *
     * @throws IllegalArgumentException naming the first tensor that is missing on either side or
     *     has another shape; the target is unchanged then
     */
    public static void loadInto(NamedParameters target, Path file) {
        assign(file, read(file).tensors, target.namedTensors());
    }

    /**
     * Loads the backbone tensors of a full or backbone file into {@code target}, leaving its
     * head as it is.
     */
    public static void loadBackbone(ResNetEncoder target, Path file) {
        assignBackbone(file, read(file).tensors, target);
    }

    /**
     * Builds the encoder the file's manifest describes and loads what the file holds: every
     * tensor of a full file, the backbone of a backbone file (the head stays as the spec's seed
     * initialises it). The file is read once.
     *
     * @throws IllegalArgumentException as {@link #loadInto} and {@link #loadBackbone}
     */
    public static ResNetEncoder loadEncoder(Path file) {
        Archive archive = read(file);
        ResNetEncoder encoder = new ResNetEncoder(EncoderSpec.fromProperties(archive.manifest));
        if ("backbone".equals(archive.manifest.getProperty("content"))) {
            assignBackbone(file, archive.tensors, encoder);
        } else {
            assign(file, archive.tensors, encoder.namedTensors());
        }
        return encoder;
    }

    /**
     * Whether {@code file} is an encoder weights file (a zip whose manifest says
     * {@code format=moco-encoder-weights}), without reading its tensors.
     *
     * @throws IllegalArgumentException if it is not a zip file
     */
    public static boolean isWeightsFile(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry manifest = zip.getEntry(MANIFEST);
            if (manifest == null) {
                return false;
            }
            Properties p = new Properties();
            try (InputStream in = zip.getInputStream(manifest)) {
                p.load(in);
            }
            return FORMAT.equals(p.getProperty("format"));
        } catch (ZipException e) {
            throw new IllegalArgumentException(file + " is not a zip file: neither a checkpoint nor encoder weights", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static void assignBackbone(Path file, Map<String, INDArray> stored, ResNetEncoder target) {
        Map<String, INDArray> tensors = new LinkedHashMap<>(stored);
        tensors.keySet().removeIf(ResNetEncoder::isHeadTensor);
        Map<String, INDArray> backbone = new LinkedHashMap<>(target.namedTensors());
        backbone.keySet().removeIf(ResNetEncoder::isHeadTensor);
        assign(file, tensors, backbone);
    }

    /** The tensors stored in {@code file}, by name (new arrays). */
    public static Map<String, INDArray> readTensors(Path file) {
        return read(file).tensors;
    }

    /** The manifest of {@code file}. */
    public static Properties readManifest(Path file) {
        return read(file).manifest;
    }

    private static void assign(Path file, Map<String, INDArray> stored, Map<String, INDArray> target) {
        for (Map.Entry<String, INDArray> e : target.entrySet()) {
            INDArray s = stored.get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException(file + " has no tensor '" + e.getKey() + "' of shape "
                        + Arrays.toString(e.getValue().shape()) + ": it was saved from another architecture");
            }
            if (!Arrays.equals(s.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' in " + file + " has shape "
                        + Arrays.toString(s.shape()) + " but the network expects " + Arrays.toString(e.getValue().shape()));
            }
        }
        for (String name : stored.keySet()) {
            if (!target.containsKey(name)) {
                throw new IllegalArgumentException(file + " has tensor '" + name + "' of shape "
                        + Arrays.toString(stored.get(name).shape()) + " that the network does not have:"
                        + " it was saved from another architecture");
            }
        }
        for (Map.Entry<String, INDArray> e : target.entrySet()) {
            INDArray s = stored.get(e.getKey());
            e.getValue().assign(s.dataType() == e.getValue().dataType() ? s : s.castTo(e.getValue().dataType()));
        }
    }

    private static void write(Path file, EncoderSpec spec, Map<String, INDArray> tensors, String content) {
        Properties specProperties = spec.toProperties();
        Map<String, String> manifest = new TreeMap<>();
        specProperties.stringPropertyNames().forEach(k -> manifest.put(k, specProperties.getProperty(k)));
        manifest.put("format", FORMAT);
        manifest.put("version", VERSION);
        manifest.put("content", content);
        List<TensorArchive.Tensor> entries = new ArrayList<>();
        tensors.forEach((name, tensor) -> entries.add(new TensorArchive.Tensor(name, name + ".npy", tensor)));
        try {
            TensorArchive.write(file, "moco encoder weights; one <name>.npy per tensor", manifest, entries);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write encoder weights to " + file, e);
        }
    }

    private record Archive(Properties manifest, Map<String, INDArray> tensors) {
    }

    /** @throws IllegalArgumentException if the file is missing, damaged, crafted or of another format */
    private static Archive read(Path file) {
        TensorArchive.Contents contents;
        try {
            contents = TensorArchive.read(file);
        } catch (TensorFileException e) {
            throw new IllegalArgumentException("cannot read encoder weights: " + e.getMessage(), e);
        }
        Properties manifest = new Properties();
        manifest.putAll(contents.properties());
        if (!FORMAT.equals(manifest.getProperty("format"))) {
            throw new IllegalArgumentException(file + " is not a moco encoder weights file (no " + MANIFEST
                    + " with format=" + FORMAT + ")");
        }
        if (!VERSION.equals(manifest.getProperty("version"))) {
            throw new IllegalArgumentException(file + " has weights format version " + manifest.getProperty("version")
                    + "; this reader supports version " + VERSION);
        }
        return new Archive(manifest, new LinkedHashMap<>(contents.tensors()));
    }
}
