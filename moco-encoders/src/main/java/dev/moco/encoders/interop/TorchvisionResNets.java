package dev.moco.encoders.interop;

import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.NamedParameters;
import dev.moco.encoders.ResNetArchitecture;
import dev.moco.encoders.ResNetEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * moco's ResNets under the names the field uses for them. moco's tensors already carry
 * torchvision's names and v1.5 layout ({@code conv1.weight}, {@code layer1.0.bn2.running_var},
 * {@code fc.weight}); the MoCo v2 MLP head, {@code head.0}/{@code head.2} here, is
 * {@code fc.0}/{@code fc.2} in the official MoCo code ({@code encoder_q.fc} replaced by
 * Linear–ReLU–Linear). The layouts read:
 *
 * <ul>
 *   <li>a torchvision state dict ({@code resnet18/34/50/101}, or the small-input nets moco writes);</li>
 *   <li>an official MoCo checkpoint ({@code {'epoch', 'arch', 'state_dict', 'optimizer'}}, the
 *       state dict with {@code module.encoder_q.*}, {@code module.encoder_k.*},
 *       {@code module.queue}, {@code module.queue_ptr}): the query encoder, head included;</li>
 *   <li>a state dict saved from {@code nn.DataParallel} / DDP ({@code module.} before every name).</li>
 * </ul>
 *
 * The architecture, width, input channels and head are read from the names and shapes;
 * {@code num_batches_tracked} is dropped (moco's BN uses a fixed momentum, so the counter is never read).
 */
public final class TorchvisionResNets {

    /** Prefix of the query encoder in the official MoCo checkpoints (DDP-wrapped MoCo module). */
    public static final String OFFICIAL_QUERY_PREFIX = "module.encoder_q.";
    private static final String NUM_BATCHES_TRACKED = ".num_batches_tracked";
    private static final Pattern BLOCK = Pattern.compile("^layer(\\d+)\\.(\\d+)\\.");
    /** How many problems one message lists before it counts the rest. */
    private static final int LISTED_PROBLEMS = 12;

    private TorchvisionResNets() {
    }

    /**
     * An encoder read from a file, and what of the file was not used.
     *
     * @param encoder the reference encoder holding every tensor
     * @param layout which layout the names were in, e.g. {@code official MoCo checkpoint, query encoder}
     * @param unused names (or groups of names) in the file that the encoder does not take
     */
    public record Imported(ResNetEncoder encoder, String layout, List<String> unused) {
    }

    /**
     * Reads the encoder {@code file} holds.
     *
     * @param file a PyTorch checkpoint or safetensors file
     * @param inputChannels the input channels wanted: 0 for those stored; 1 to fold an RGB
     *     {@code conv1} to grey by summing its input channels (the response to a grey image repeated in
     *     every channel is unchanged)
     * @throws WeightsFileException if the file is refused, its names are no ResNet moco builds, or
     *     names or shapes disagree (all listed in one message; nothing is loaded then)
     */
    public static Imported read(Path file, int inputChannels) {
        try (WeightsFile weights = WeightsFile.open(file)) {
            return read(weights, inputChannels);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }

    /** As {@link #read(Path, int)}, from an open file. */
    public static Imported read(WeightsFile weights, int inputChannels) {
        Path file = weights.file();
        Map<String, StoredTensor> all = weights.tensors();
        String prefix = "";
        String layout = "torchvision state dict";
        if (all.keySet().stream().anyMatch(n -> n.startsWith(OFFICIAL_QUERY_PREFIX))) {
            prefix = OFFICIAL_QUERY_PREFIX;
            layout = "official MoCo checkpoint, query encoder";
        } else if (all.keySet().stream().anyMatch(n -> n.startsWith("encoder_q."))) {
            prefix = "encoder_q.";
            layout = "MoCo state dict, query encoder";
        } else if (!all.isEmpty() && all.keySet().stream().allMatch(n -> n.startsWith("module."))) {
            prefix = "module.";
            layout = "torchvision state dict saved from DataParallel";
        }
        Map<String, StoredTensor> named = new LinkedHashMap<>();
        List<String> unused = new ArrayList<>();
        Map<String, Integer> unusedGroups = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : all.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(prefix)) {
                String group = name.startsWith("module.encoder_k.") ? "module.encoder_k.*"
                        : name.startsWith("encoder_k.") ? "encoder_k.*" : name + " " + e.getValue();
                unusedGroups.merge(group, 1, Integer::sum);
                continue;
            }
            String local = name.substring(prefix.length());
            if (local.endsWith(NUM_BATCHES_TRACKED)) {
                unusedGroups.merge("*" + NUM_BATCHES_TRACKED, 1, Integer::sum);
                continue;
            }
            named.put(mocoName(local), e.getValue());
        }
        unusedGroups.forEach((group, count) -> unused.add(count > 1 || group.endsWith("*") ? group + " (" + count + " tensors)" : group));
        weights.otherEntries().forEach(entry -> unused.add("'" + entry + "' entry"));
        EncoderSpec spec = inferSpec(file, named, inputChannels);
        ResNetEncoder encoder = new ResNetEncoder(spec);
        assign(file, named, encoder, inputChannels);
        return new Imported(encoder, layout, unused);
    }

    /**
     * The encoder's tensors under torchvision names (the MLP head as {@code fc.0}/{@code fc.2}, as
     * the official MoCo code names it), views in the encoder's type.
     *
     * @param withHead whether the projection head is included
     */
    public static Map<String, INDArray> stateDict(NamedParameters encoder, boolean withHead) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        encoder.namedTensors().forEach((name, tensor) -> {
            if (withHead || !ResNetEncoder.isHeadTensor(name)) {
                tensors.put(torchvisionName(name), tensor);
            }
        });
        return tensors;
    }

    /** Writes the encoder as a safetensors file with torchvision names. */
    public static void writeSafetensors(NamedParameters encoder, EncoderSpec spec, boolean withHead, Path file) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");   // what Hugging Face loaders expect of a PyTorch state dict
        metadata.put("architecture", spec.architecture());
        metadata.put("head", withHead ? spec.head().name().toLowerCase(Locale.ROOT) : "none");
        metadata.put("written-by", "moco");
        Safetensors.write(file, stateDict(encoder, withHead), metadata);
    }

    /** Writes the encoder as a PyTorch zip-format state dict ({@code torch.load(path, weights_only=True)}). */
    public static void writePth(NamedParameters encoder, boolean withHead, Path file) {
        TorchStateDictWriter.write(file, stateDict(encoder, withHead));
    }

    static String mocoName(String torchvisionName) {
        if (torchvisionName.startsWith("fc.0.") || torchvisionName.startsWith("fc.2.")) {
            return "head." + torchvisionName.substring("fc.".length());
        }
        return torchvisionName;
    }

    static String torchvisionName(String mocoName) {
        return mocoName.startsWith("head.") ? "fc." + mocoName.substring("head.".length()) : mocoName;
    }

    private static EncoderSpec inferSpec(Path file, Map<String, StoredTensor> named, int inputChannels) {
        StoredTensor conv1 = named.get("conv1.weight");
        if (conv1 == null || conv1.shape().length != 4) {
            throw new WeightsFileException(file + ": no 4-d 'conv1.weight', so not a ResNet state dict (first names: "
                    + named.keySet().stream().limit(5).toList() + ")");
        }
        long[] stem = conv1.shape();
        ResNetArchitecture.Family family = stem[2] == 7 ? ResNetArchitecture.Family.IMAGENET
                : stem[2] == 3 ? ResNetArchitecture.Family.SMALL_INPUT : null;
        int baseWidth = family == ResNetArchitecture.Family.IMAGENET ? 64 : 16;
        if (family == null || stem[0] % baseWidth != 0) {
            throw new WeightsFileException(file + ": conv1.weight " + Arrays.toString(stem)
                    + " is neither torchvision's 7×7 stem (64k channels) nor the small-input 3×3 stem (16k channels)");
        }
        TreeSet<Integer> stages = new TreeSet<>();
        Map<Integer, TreeSet<Integer>> blocks = new java.util.TreeMap<>();
        for (String name : named.keySet()) {
            Matcher m = BLOCK.matcher(name);
            if (m.find()) {
                int stage = Integer.parseInt(m.group(1));
                stages.add(stage);
                blocks.computeIfAbsent(stage, s -> new TreeSet<>()).add(Integer.parseInt(m.group(2)));
            }
        }
        int[] blocksPerStage = stages.stream().mapToInt(s -> blocks.get(s).last() + 1).toArray();
        boolean bottleneck = named.containsKey("layer1.0.conv3.weight");
        ResNetArchitecture architecture = Arrays.stream(ResNetArchitecture.values())
                .filter(a -> a.family() == family && a.bottleneck() == bottleneck && Arrays.equals(a.blocksPerStage(), blocksPerStage))
                .findFirst()
                .orElseThrow(() -> new WeightsFileException(file + ": a ResNet with " + (bottleneck ? "bottleneck" : "basic")
                        + " blocks " + describeStages(blocks) + ", which is none of "
                        + Arrays.stream(ResNetArchitecture.values()).map(ResNetArchitecture::displayName).toList()));
        int storedChannels = (int) stem[1];
        int channels = inputChannels == 0 ? storedChannels : inputChannels;
        if (channels != storedChannels && channels != 1) {
            throw new WeightsFileException(file + ": conv1 takes " + storedChannels + " channels; it can be folded to 1"
                    + " (grey) but not to " + channels);
        }
        EncoderSpec spec = EncoderSpec.of(architecture.displayName()).withInputChannels(channels)
                .withWidthMultiplier((int) (stem[0] / baseWidth)).withDataType(DataType.FLOAT);
        StoredTensor mlpHidden = named.get("head.0.weight");
        StoredTensor mlpOut = named.get("head.2.weight");
        StoredTensor linear = named.get("fc.weight");
        if (mlpHidden != null && mlpOut != null && mlpHidden.shape().length == 2 && mlpOut.shape().length == 2) {
            int representation = spec.withHead(HeadType.NONE).topology().representationDimension();
            int hidden = (int) mlpHidden.shape()[0];
            return spec.withHead(HeadType.MLP).withHeadHiddenDimension(hidden == representation ? 0 : hidden)
                    .withFeatureDimension((int) mlpOut.shape()[0]);
        }
        if (linear != null && linear.shape().length == 2) {
            return spec.withHead(HeadType.LINEAR).withFeatureDimension((int) linear.shape()[0]);
        }
        return spec.withHead(HeadType.NONE);
    }

    private static String describeStages(Map<Integer, TreeSet<Integer>> blocks) {
        StringBuilder s = new StringBuilder("{");
        blocks.forEach((stage, indices) -> s.append(s.length() > 1 ? ", " : "").append("layer").append(stage).append('=')
                .append(indices.last() + 1));
        return s.append('}').toString();
    }

    /** Checks every name and shape first, listing every disagreement in one message; then loads all. */
    private static void assign(Path file, Map<String, StoredTensor> stored, ResNetEncoder encoder, int inputChannels) {
        Map<String, INDArray> target = encoder.namedTensors();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : target.entrySet()) {
            StoredTensor s = stored.get(e.getKey());
            long[] expected = e.getValue().shape();
            if (s == null) {
                problems.add("missing " + torchvisionName(e.getKey()) + " " + Arrays.toString(expected));
                continue;
            }
            long[] shape = s.shape();
            if (e.getKey().equals("conv1.weight") && inputChannels == 1 && shape.length == 4) {
                shape[1] = 1;   // folded below
            }
            if (!Arrays.equals(shape, expected)) {
                problems.add(torchvisionName(e.getKey()) + " is " + Arrays.toString(s.shape()) + ", expected " + Arrays.toString(expected));
            }
            if (!s.dtype().floating()) {
                problems.add(torchvisionName(e.getKey()) + " is " + s.dtype().name().toLowerCase(Locale.ROOT) + ", not floating point");
            }
        }
        for (Map.Entry<String, StoredTensor> e : stored.entrySet()) {
            if (!target.containsKey(e.getKey())) {
                problems.add("unexpected " + torchvisionName(e.getKey()) + " " + Arrays.toString(e.getValue().shape()));
            }
        }
        if (!problems.isEmpty()) {
            String listed = String.join("; ", problems.subList(0, Math.min(LISTED_PROBLEMS, problems.size())));
            throw new WeightsFileException(file + ": does not fit " + encoder.spec().architecture() + " ("
                    + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "): " + listed
                    + (problems.size() > LISTED_PROBLEMS ? "; and " + (problems.size() - LISTED_PROBLEMS) + " more" : ""));
        }
        for (Map.Entry<String, INDArray> e : target.entrySet()) {
            INDArray value = stored.get(e.getKey()).load();
            if (e.getKey().equals("conv1.weight") && value.size(1) != e.getValue().size(1)) {
                value = value.sum(true, 1);
            }
            e.getValue().assign(value.castTo(e.getValue().dataType()));
        }
    }
}
