package dev.moco.encoders;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Saves and loads encoder weights as a zip archive (no Java serialization):
 *
 * <ul>
 *   <li>{@code manifest.properties}: {@code format=moco-encoder-weights}, {@code version=1},
 *       {@code content=full} or {@code backbone}, {@code tensors=<count>}, and the
 *       {@link EncoderSpec} keys ({@code architecture}, {@code inputChannels}, …);</li>
 *   <li>one {@code <name>.npy} per tensor (NumPy format, the encoder's data type, PyTorch
 *       layout and torchvision-style name, e.g. {@code layer1.0.conv1.weight.npy}
 *       [out, in, kh, kw], {@code bn1.running_var.npy} [C]).</li>
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
    public static final String MANIFEST = "manifest.properties";
    static final String FORMAT = "moco-encoder-weights";
    static final String VERSION = "1";

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
        Map<String, INDArray> tensors = new LinkedHashMap<>(read(file).tensors);
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
        Properties manifest = spec.toProperties();
        manifest.setProperty("format", FORMAT);
        manifest.setProperty("version", VERSION);
        manifest.setProperty("content", content);
        manifest.setProperty("tensors", Integer.toString(tensors.size()));
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temporary = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            try (OutputStream out = Files.newOutputStream(temporary); ZipOutputStream zip = new ZipOutputStream(out)) {
                zip.putNextEntry(new ZipEntry(MANIFEST));
                manifest.store(zip, "moco encoder weights; one <name>.npy per tensor");
                zip.closeEntry();
                for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
                    zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                    zip.write(Nd4j.toNpyByteArray(e.getValue().dup('c')));
                    zip.closeEntry();
                }
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write encoder weights to " + file, e);
        }
    }

    private record Archive(Properties manifest, Map<String, INDArray> tensors) {
    }

    private static Archive read(Path file) {
        Properties manifest = null;
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                String name = entry.getName();
                if (name.equals(MANIFEST)) {
                    manifest = new Properties();
                    manifest.load(new java.io.ByteArrayInputStream(zip.readAllBytes()));
                } else if (name.endsWith(".npy")) {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    zip.transferTo(bytes);
                    tensors.put(name.substring(0, name.length() - ".npy".length()),
                            Nd4j.createNpyFromByteArray(bytes.toByteArray()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read encoder weights from " + file, e);
        }
        if (manifest == null || !FORMAT.equals(manifest.getProperty("format"))) {
            throw new IllegalArgumentException(file + " is not a moco encoder weights file (no " + MANIFEST
                    + " with format=" + FORMAT + ")");
        }
        if (!VERSION.equals(manifest.getProperty("version"))) {
            throw new IllegalArgumentException(file + " has weights format version " + manifest.getProperty("version")
                    + "; this reader supports version " + VERSION);
        }
        return new Archive(manifest, tensors);
    }
}
