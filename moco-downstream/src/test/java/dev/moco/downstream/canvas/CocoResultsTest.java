package dev.moco.downstream.canvas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.kit.SplitMix64;
import dev.moco.downstream.metrics.BinaryMask;
import dev.moco.downstream.metrics.BoundingBox;
import dev.moco.downstream.metrics.DetectedBox;
import dev.moco.downstream.metrics.DetectedInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COCO results files, with and without masks: what is written reads back exactly. */
class CocoResultsTest {

    @TempDir
    Path dir;

    private static List<DetectedInstance> randomInstances(int count, int height, int width) {
        SplitMix64 random = new SplitMix64(3);
        List<DetectedInstance> instances = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean[] pixels = new boolean[height * width];
            int density = random.nextInt(4);   // empty, sparse, half and dense masks
            for (int p = 0; p < pixels.length; p++) {
                pixels[p] = random.nextInt(4) < density;
            }
            BoundingBox box = new BoundingBox(random.nextDouble() * width, random.nextDouble() * height,
                    random.nextDouble() * 10, random.nextDouble() * 10);
            instances.add(new DetectedInstance(new DetectedBox(1 + i % 3, 1 + random.nextInt(10), box, random.nextDouble()),
                    BinaryMask.of(pixels, height, width)));
        }
        return instances;
    }

    @Test
    void instancesWithMasksReadBackExactlyAndTheCountsAreCompressedStrings() throws Exception {
        List<DetectedInstance> written = randomInstances(20, 7, 5);
        Path file = dir.resolve("results.json");
        CocoJson.writeInstanceResults(written, file);
        assertThat(CocoJson.readInstanceResults(file)).isEqualTo(written);
        assertThat(Files.readString(file)).contains("\"size\":[7,5],\"counts\":\"").doesNotContain("\"counts\":[");
        assertThat(CocoJson.readResults(file)).isEqualTo(written.stream().map(DetectedInstance::detectedBox).toList());
    }

    @Test
    void boxResultsReadBackExactlyAndUncompressedCountsAreReadToo() throws Exception {
        List<DetectedBox> boxes = randomInstances(5, 4, 4).stream().map(DetectedInstance::detectedBox).toList();
        Path file = dir.resolve("boxes.json");
        CocoJson.writeResults(boxes, file);
        assertThat(CocoJson.readResults(file)).isEqualTo(boxes);
        assertThatThrownBy(() -> CocoJson.readInstanceResults(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file + ": result 0").hasMessageContaining("no RLE segmentation");
        // 2x3 rows [1 0 0], [1 1 0] as uncompressed counts, as pycocotools' frPyObjects takes them
        Path uncompressed = dir.resolve("uncompressed.json");
        Files.writeString(uncompressed, "[{\"image_id\": 4, \"category_id\": 2, \"bbox\": [0, 0, 2, 2], \"score\": 0.5,"
                + " \"segmentation\": {\"size\": [2, 3], \"counts\": [0, 2, 1, 1, 2]}}]");
        assertThat(CocoJson.readInstanceResults(uncompressed).get(0).mask())
                .isEqualTo(BinaryMask.of(new boolean[] {true, false, false, true, true, false}, 2, 3));
    }

    @Test
    void aMalformedResultsFileIsRefusedNamingTheEntry() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1], \"score\": 0.5}]");
        assertThatThrownBy(() -> CocoJson.readResults(file)).hasMessageContaining("result 0")
                .hasMessageContaining("not [x, y, w, h]");
        Files.writeString(file, "{\"annotations\": []}");
        assertThatThrownBy(() -> CocoJson.readResults(file)).hasMessageContaining("is not a COCO results JSON array");
    }
}
