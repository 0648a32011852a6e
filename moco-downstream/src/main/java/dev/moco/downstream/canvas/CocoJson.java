package dev.moco.downstream.canvas;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonWriter;
import dev.moco.core.data.FashionMnist;
import dev.moco.downstream.metrics.BinaryMask;
import dev.moco.downstream.metrics.BoundingBox;
import dev.moco.downstream.metrics.DetectedBox;
import dev.moco.downstream.metrics.DetectedInstance;
import dev.moco.downstream.metrics.GroundTruthBox;
import dev.moco.downstream.metrics.GroundTruthMask;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The canvases in COCO's JSON formats, so that pycocotools and other tools can read and
 * re-score them:
 *
 * <ul>
 *   <li>instances ({@link #writeInstances}): {@code images} (id, file_name, width, height),
 *       {@code annotations} (id from 1, image_id, category_id = label + 1, bbox [x, y, w, h],
 *       area = visible pixels, iscrowd 0, segmentation as uncompressed RLE
 *       {@code {"size": [h, w], "counts": [...]}}; plus {@code fashion_mnist_index}, which
 *       other tools ignore), {@code categories} (id 1..10, the Fashion-MNIST class names);</li>
 *   <li>results ({@link #writeResults}): a list of {@code {image_id, category_id, bbox, score}};
 *       with masks ({@link #writeInstanceResults}) each also has a {@code segmentation} in
 *       compressed RLE ({@code {"size": [h, w], "counts": "<string>"}}, {@link CocoRle}), as
 *       pycocotools' {@code maskUtils.encode} writes it. Both read back with
 *       {@link #readResults} and {@link #readInstanceResults}.</li>
 * </ul>
 */
public final class CocoJson {

    private CocoJson() {
    }

    /** The image file of canvas {@code imageId}, relative to its split directory. */
    public static String imageFileName(int imageId) {
        return String.format("images/%06d.png", imageId);
    }

    /** The folder of the semantic masks in a split directory. */
    public static final String MASKS = "masks";

    /** The semantic mask file of canvas {@code imageId}, relative to its split directory. */
    public static String maskFileName(int imageId) {
        return String.format(MASKS + "/%06d.png", imageId);
    }

    /** Writes the instances file of {@code canvases}. */
    public static void writeInstances(List<Canvas> canvases, Path file, String description) {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8); JsonWriter json = new JsonWriter(out)) {
            json.beginObject();
            json.name("info").beginObject().name("description").value(description)
                    .name("contributor").value("moco data canvases, from Fashion-MNIST (MIT licence)").endObject();
            json.name("licenses").beginArray().beginObject().name("id").value(1).name("name").value("MIT")
                    .name("url").value("https://github.com/zalandoresearch/fashion-mnist/blob/master/LICENSE")
                    .endObject().endArray();
            json.name("images").beginArray();
            for (Canvas c : canvases) {
                json.beginObject().name("id").value(c.imageId()).name("file_name").value(imageFileName(c.imageId()))
                        .name("width").value(c.size()).name("height").value(c.size()).name("license").value(1).endObject();
            }
            json.endArray();
            json.name("annotations").beginArray();
            int annotationId = 1;
            for (Canvas c : canvases) {
                for (GarmentInstance g : c.instances()) {
                    json.beginObject().name("id").value(annotationId++).name("image_id").value(c.imageId())
                            .name("category_id").value(g.categoryId());
                    writeBox(json, g.box());
                    json.name("area").value(g.area()).name("iscrowd").value(0);
                    json.name("segmentation").beginObject().name("size").beginArray().value(c.size()).value(c.size())
                            .endArray().name("counts").beginArray();
                    for (int run : CocoRle.encode(g.mask(), c.size(), c.size())) {
                        json.value(run);
                    }
                    json.endArray().endObject();
                    json.name("fashion_mnist_index").value(g.sourceIndex());
                    json.endObject();
                }
            }
            json.endArray();
            json.name("categories").beginArray();
            for (int label = 0; label < FashionMnist.CLASS_NAMES.size(); label++) {
                json.beginObject().name("id").value(label + 1).name("name").value(FashionMnist.CLASS_NAMES.get(label))
                        .name("supercategory").value("garment").endObject();
            }
            json.endArray();
            json.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Writes detections as a COCO results file. */
    public static void writeResults(List<DetectedBox> detections, Path file) {
        writeResultList(detections, file, (json, d) -> writeResult(json, d));
    }

    /** Writes detected instances as a COCO results file with masks (compressed RLE). */
    public static void writeInstanceResults(List<DetectedInstance> instances, Path file) {
        writeResultList(instances, file, (json, d) -> {
            writeResult(json, d.detectedBox());
            BinaryMask m = d.mask();
            json.name("segmentation").beginObject().name("size").beginArray().value(m.height()).value(m.width()).endArray()
                    .name("counts").value(CocoRle.toCompressedString(CocoRle.encode(m.toRowMajor(), m.height(), m.width())))
                    .endObject();
        });
    }

    /** Writes the fields of one results entry into an open object. */
    private interface EntryWriter<T> {
        void write(JsonWriter json, T entry) throws IOException;
    }

    private static <T> void writeResultList(List<T> entries, Path file, EntryWriter<T> fields) {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8); JsonWriter json = new JsonWriter(out)) {
            json.beginArray();
            for (T entry : entries) {
                json.beginObject();
                fields.write(json, entry);
                json.endObject();
            }
            json.endArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void writeResult(JsonWriter json, DetectedBox d) throws IOException {
        json.name("image_id").value(d.imageId()).name("category_id").value(d.categoryId());
        writeBox(json, d.box());
        json.name("score").value(d.score());
    }

    /**
     * Reads a COCO results file (as {@link #writeResults} writes it; a {@code segmentation}
     * is ignored).
     *
     * @throws IllegalArgumentException naming the file and the entry that is malformed
     */
    public static List<DetectedBox> readResults(Path file) {
        return readResultList(file, entry -> readResult(entry));
    }

    /**
     * Reads a COCO results file with masks (as {@link #writeInstanceResults} writes it):
     * every entry needs a {@code segmentation} in RLE, compressed or not.
     *
     * @throws IllegalArgumentException naming the file and the entry that is malformed
     */
    public static List<DetectedInstance> readInstanceResults(Path file) {
        return readResultList(file, entry -> {
            if (!entry.has("segmentation") || !entry.get("segmentation").isJsonObject()) {
                throw new IllegalArgumentException("it has no RLE segmentation {\"size\": [h, w], \"counts\": ...}");
            }
            return new DetectedInstance(readResult(entry), readRle(entry.getAsJsonObject("segmentation")));
        });
    }

    private static DetectedBox readResult(JsonObject entry) {
        return new DetectedBox(entry.get("image_id").getAsInt(), entry.get("category_id").getAsInt(),
                readBox(entry.getAsJsonArray("bbox")), entry.get("score").getAsDouble());
    }

    /** An RLE segmentation, its counts a list (uncompressed) or a string (compressed). */
    private static BinaryMask readRle(JsonObject segmentation) {
        JsonArray size = segmentation.getAsJsonArray("size");
        if (size.size() != 2) {
            throw new IllegalArgumentException("segmentation size has " + size.size() + " numbers, not [h, w]");
        }
        int height = size.get(0).getAsInt();
        int width = size.get(1).getAsInt();
        JsonElement counts = segmentation.get("counts");
        List<Integer> runs = new ArrayList<>();
        if (counts.isJsonArray()) {
            counts.getAsJsonArray().forEach(c -> runs.add(c.getAsInt()));
        } else {
            runs.addAll(CocoRle.fromCompressedString(counts.getAsString()));
        }
        return BinaryMask.of(CocoRle.decode(runs, height, width), height, width);
    }

    private static <T> List<T> readResultList(Path file, Function<JsonObject, T> entryReader) {
        JsonArray entries = parse(file, "a COCO results JSON array", true).getAsJsonArray();
        List<T> results = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            try {
                results.add(entryReader.apply(entries.get(i).getAsJsonObject()));
            } catch (IllegalArgumentException | NullPointerException | ClassCastException | IllegalStateException
                    | UnsupportedOperationException e) {
                throw new IllegalArgumentException(file + ": result " + i + " lacks a COCO field or has a malformed one: "
                        + reason(e), e);
            }
        }
        return results;
    }

    /**
     * The JSON of {@code file}, checked to be an array or an object.
     *
     * @param expected what the file should be, for the message
     * @throws IllegalArgumentException saying that the file is not {@code expected}, and why
     */
    private static JsonElement parse(Path file, String expected, boolean array) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement json = JsonParser.parseReader(in);
            if (array ? !json.isJsonArray() : !json.isJsonObject()) {
                throw new IllegalStateException("it is " + (json.isJsonArray() ? "an array" : json.isJsonObject()
                        ? "an object" : "'" + json + "'"));
            }
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(file + " is not " + expected + ": " + reason(e), e);
        }
    }

    private static String reason(Exception e) {
        return String.valueOf(e.getMessage()).replaceFirst("^[\\w.$]+(Exception|Error): ", "");
    }

    /** The ground-truth boxes of {@code canvases}, as the detection metric takes them. */
    public static List<GroundTruthBox> groundTruth(List<Canvas> canvases) {
        List<GroundTruthBox> truth = new ArrayList<>();
        for (Canvas c : canvases) {
            for (GarmentInstance g : c.instances()) {
                truth.add(new GroundTruthBox(c.imageId(), g.categoryId(), g.box()));
            }
        }
        return truth;
    }

    /** The ground-truth masks of {@code canvases}, as the mask metric takes them. */
    public static List<GroundTruthMask> groundTruthMasks(List<Canvas> canvases) {
        List<GroundTruthMask> truth = new ArrayList<>();
        for (Canvas c : canvases) {
            for (GarmentInstance g : c.instances()) {
                truth.add(new GroundTruthMask(c.imageId(), g.categoryId(), BinaryMask.of(g.mask(), c.size(), c.size())));
            }
        }
        return truth;
    }

    private static BoundingBox readBox(JsonArray bbox) {
        if (bbox.size() != 4) {
            throw new IllegalArgumentException("bbox has " + bbox.size() + " numbers, not [x, y, w, h]");
        }
        return new BoundingBox(bbox.get(0).getAsDouble(), bbox.get(1).getAsDouble(), bbox.get(2).getAsDouble(),
                bbox.get(3).getAsDouble());
    }

    private static void writeBox(JsonWriter json, BoundingBox box) throws IOException {
        json.name("bbox").beginArray();
        for (double v : box.toXywh()) {
            json.value(v);
        }
        json.endArray();
    }

    /**
     * Reads an instances file written by {@link #writeInstances}: per image id, its
     * instances (bottom first, in annotation order).
     *
     * @throws IllegalArgumentException naming the file and the entry that is malformed
     */
    public static Map<Integer, List<GarmentInstance>> readInstances(Path file, int size) {
        JsonObject root = parse(file, "a COCO instances JSON object", false).getAsJsonObject();
        Map<Integer, List<GarmentInstance>> byImage = new LinkedHashMap<>();
        try {
            for (JsonElement image : root.getAsJsonArray("images")) {
                JsonObject o = image.getAsJsonObject();
                int width = o.get("width").getAsInt();
                int height = o.get("height").getAsInt();
                if (width != size || height != size) {
                    throw new IllegalArgumentException(file + ": image " + o.get("id") + " is " + width + "x" + height
                            + " but the set's canvases are " + size + "x" + size);
                }
                byImage.put(o.get("id").getAsInt(), new ArrayList<>());
            }
            for (JsonElement element : root.getAsJsonArray("annotations")) {
                JsonObject a = element.getAsJsonObject();
                int imageId = a.get("image_id").getAsInt();
                List<GarmentInstance> list = byImage.get(imageId);
                if (list == null) {
                    throw new IllegalArgumentException(file + ": annotation " + a.get("id") + " refers to image "
                            + imageId + ", which the file does not list");
                }
                JsonObject segmentation = a.getAsJsonObject("segmentation");
                List<Integer> counts = new ArrayList<>();
                for (JsonElement c : segmentation.getAsJsonArray("counts")) {
                    counts.add(c.getAsInt());
                }
                boolean[] mask;
                BoundingBox box;
                try {
                    mask = CocoRle.decode(counts, size, size);
                    box = readBox(a.getAsJsonArray("bbox"));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": annotation " + a.get("id") + " (image " + imageId + "): "
                            + e.getMessage(), e);
                }
                int label = a.get("category_id").getAsInt() - 1;
                if (label < 0 || label >= CanvasSpec.GARMENT_CLASSES) {
                    throw new IllegalArgumentException(file + ": annotation " + a.get("id") + " has category_id "
                            + (label + 1) + " outside 1.." + CanvasSpec.GARMENT_CLASSES);
                }
                JsonElement index = a.get("fashion_mnist_index");
                list.add(new GarmentInstance(label, mask, box, index == null ? -1 : index.getAsInt()));
            }
        } catch (NullPointerException | ClassCastException | IllegalStateException | UnsupportedOperationException e) {
            throw new IllegalArgumentException(file + " lacks a COCO field or has one of the wrong type: " + e, e);
        }
        return byImage;
    }
}
