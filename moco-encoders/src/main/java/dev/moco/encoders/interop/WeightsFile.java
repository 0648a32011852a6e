package dev.moco.encoders.interop;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipFile;

/**
 * A weights file from outside, open for reading: a PyTorch checkpoint (zip or legacy) or a
 * safetensors file, as its flat state dict (tensor name to {@link StoredTensor}) and the
 * scalars beside it ({@code epoch}, {@code arch} of an official MoCo checkpoint). Tensors are
 * read on demand while the file is open.
 *
 * <pre>{@code
 * try (WeightsFile weights = WeightsFile.open(Path.of("moco_v2_800ep_pretrain.pth.tar"))) {
 *     INDArray conv1 = weights.tensors().get("module.encoder_q.conv1.weight").load();
 * }
 * }</pre>
 */
public final class WeightsFile implements Closeable {

    /** The containers read. */
    public enum Format {
        PYTORCH_ZIP("PyTorch zip checkpoint"),
        PYTORCH_LEGACY("PyTorch legacy (pre-1.6) checkpoint"),
        SAFETENSORS("safetensors file");

        private final String description;

        Format(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** The checkpoint key under which training scripts (the official MoCo's among them) put the state dict. */
    public static final String STATE_DICT = "state_dict";

    private final Path file;
    private final Format format;
    private final Map<String, StoredTensor> tensors;
    private final Map<String, Object> scalars;
    private final List<String> otherEntries;
    private final Closeable resource;

    private WeightsFile(Path file, Format format, Map<String, StoredTensor> tensors, Map<String, Object> scalars,
            List<String> otherEntries, Closeable resource) {
        this.file = file;
        this.format = format;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.scalars = Collections.unmodifiableMap(scalars);
        this.otherEntries = List.copyOf(otherEntries);
        this.resource = resource;
    }

    /**
     * The format of {@code file} from its first bytes, without reading it further (a zip is
     * opened to look for {@code data.pkl}); empty for anything else, moco's own files included.
     */
    public static Optional<Format> detect(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        byte[] head;
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(32);
            size = Files.size(file);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            try (ZipFile zip = new ZipFile(file.toFile())) {
                return TorchCheckpointReader.archivePrefix(zip) != null ? Optional.of(Format.PYTORCH_ZIP) : Optional.empty();
            } catch (IOException e) {
                // a damaged zip: a PyTorch one if its name says so, so that the reader reports the damage
                return hasTorchSuffix(file) ? Optional.of(Format.PYTORCH_ZIP) : Optional.empty();
            }
        }
        if (TorchCheckpointReader.isLegacy(head)) {
            return Optional.of(Format.PYTORCH_LEGACY);
        }
        if (Safetensors.looksLike(head, size)) {
            return Optional.of(Format.SAFETENSORS);
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80 && hasTorchSuffix(file)) {
            return Optional.of(Format.PYTORCH_LEGACY);   // a pickle named like a checkpoint: let the reader say what is wrong
        }
        return Optional.empty();
    }

    private static boolean hasTorchSuffix(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".pth") || name.endsWith(".pt") || name.endsWith(".pth.tar") || name.endsWith(".ckpt")
                || name.endsWith(".bin");
    }

    /**
     * Opens {@code file}: reads its header or pickle and checks every storage against the file.
     *
     * @throws WeightsFileException if it is none of the formats, or is refused (one line naming the problem)
     */
    public static WeightsFile open(Path file) {
        Format format = detect(file).orElseThrow(() -> new WeightsFileException(file
                + ": not a PyTorch checkpoint (zip or legacy) or a safetensors file"));
        if (format == Format.SAFETENSORS) {
            Safetensors.Contents c = Safetensors.open(file);
            Map<String, Object> scalars = new LinkedHashMap<>(c.metadata());
            return new WeightsFile(file, format, new LinkedHashMap<>(c.tensors()), scalars, List.of(), c.resource());
        }
        TorchCheckpointReader.Opened opened = format == Format.PYTORCH_ZIP
                ? TorchCheckpointReader.openZip(file) : TorchCheckpointReader.openLegacy(file);
        try {
            return fromPickle(file, format, opened);
        } catch (RuntimeException e) {
            try {
                opened.resource().close();
            } catch (IOException ignored) {
                // the refusal is what the caller needs to hear
            }
            throw e;
        }
    }

    private static WeightsFile fromPickle(Path file, Format format, TorchCheckpointReader.Opened opened) {
        if (!(opened.root() instanceof Map<?, ?> root)) {
            throw new WeightsFileException(file + ": holds " + (opened.root() == null ? "None" : "a " + opened.root().getClass().getSimpleName())
                    + ", not a state dict or a checkpoint dict");
        }
        Map<?, ?> stateDict = root;
        Map<String, Object> scalars = new LinkedHashMap<>();
        List<String> other = new ArrayList<>();
        if (root.get(STATE_DICT) instanceof Map<?, ?> inner) {
            stateDict = inner;
            for (Map.Entry<?, ?> e : root.entrySet()) {
                Object v = e.getValue();
                if (STATE_DICT.equals(e.getKey())) {
                    continue;
                }
                if (v == null || v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean) {
                    scalars.put(String.valueOf(e.getKey()), v);
                } else {
                    other.add(String.valueOf(e.getKey()));
                }
            }
        }
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : stateDict.entrySet()) {
            if (e.getKey() instanceof String name && e.getValue() instanceof StoredTensor t) {
                tensors.put(name, t);
            } else {
                other.add(String.valueOf(e.getKey()));
            }
        }
        return new WeightsFile(file, format, tensors, scalars, other, opened.resource());
    }

    public Path file() {
        return file;
    }

    public Format format() {
        return format;
    }

    /** The state dict: every tensor by its name in the file, in file order. */
    public Map<String, StoredTensor> tensors() {
        return tensors;
    }

    /** The scalars beside the state dict ({@code epoch}, {@code arch}) or a safetensors file's metadata. */
    public Map<String, Object> scalars() {
        return scalars;
    }

    /** Entries that are neither tensors of the state dict nor scalars (an official checkpoint's {@code optimizer}). */
    public List<String> otherEntries() {
        return otherEntries;
    }

    @Override
    public void close() throws IOException {
        resource.close();
    }

    @Override
    public String toString() {
        return format.description() + " " + file;
    }
}
