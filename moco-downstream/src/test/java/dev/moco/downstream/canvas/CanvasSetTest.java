package dev.moco.downstream.canvas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.downstream.testing.GarmentShapes;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CanvasSetTest {

    private static final CanvasSpec SPEC = CanvasSpec.of(32, 12, 6, 11);
    /** Training images have labels 0..4, test images 5..9: where a garment came from shows. */
    private static final GarmentShapes TRAIN = new GarmentShapes(50, 0, 5);
    private static final GarmentShapes TEST = new GarmentShapes(40, 5, 5);

    @TempDir
    Path dir;

    @Test
    void theSameSpecGivesTheSameCanvasesAndAnotherSeedOthers() {
        CanvasSet a = CanvasGenerator.generate(SPEC, TRAIN, TEST);
        CanvasSet b = CanvasGenerator.generate(SPEC, TRAIN, TEST);
        CanvasSet c = CanvasGenerator.generate(CanvasSpec.of(32, 12, 6, 12), TRAIN, TEST);
        assertSame(a.train(), b.train());
        assertSame(a.test(), b.test());
        assertThat(Arrays.equals(a.train().get(0).pixels(), c.train().get(0).pixels())
                && Arrays.equals(a.train().get(1).pixels(), c.train().get(1).pixels())).isFalse();
    }

    @Test
    void trainCanvasesUseOnlyTrainingImagesAndTestCanvasesOnlyTestImages() {
        CanvasSet set = CanvasGenerator.generate(SPEC, TRAIN, TEST);
        assertThat(set.train()).hasSize(12).allSatisfy(c -> assertThat(c.instances())
                .allSatisfy(g -> assertThat(g.label()).isBetween(0, 4)));
        assertThat(set.test()).hasSize(6).allSatisfy(c -> assertThat(c.instances())
                .allSatisfy(g -> assertThat(g.label()).isBetween(5, 9)));
    }

    @Test
    void groundTruthAgreesWithThePixels() {
        CanvasSet set = CanvasGenerator.generate(CanvasSpec.of(32, 30, 0, 3), TRAIN, TEST);
        int overlapping = 0;
        for (Canvas c : set.train()) {
            assertThat(c.instances()).hasSizeBetween(1, 4);
            int n = c.size() * c.size();
            for (int p = 0; p < n; p++) {
                int owner = -1;
                for (int g = 0; g < c.instances().size(); g++) {
                    if (c.instances().get(g).mask()[p]) {
                        assertThat(owner).as("visible masks are disjoint").isEqualTo(-1);
                        owner = g;
                    }
                }
                int expected = owner < 0 ? 0 : c.instances().get(owner).label() + 1;
                assertThat(c.semanticClass(p)).isEqualTo(expected);
                assertThat(c.pixels()[p] != 0).isEqualTo(owner >= 0);
            }
            for (GarmentInstance g : c.instances()) {
                assertThat(g.box()).isEqualTo(GarmentInstance.tightBox(g.mask(), c.size()));
                assertThat(g.box().width()).isLessThanOrEqualTo(SPEC.maxGarment());
            }
            for (int a = 0; a < c.instances().size(); a++) {
                for (int b = a + 1; b < c.instances().size(); b++) {
                    if (c.instances().get(a).box().iou(c.instances().get(b).box()) > 0) {
                        overlapping++;
                    }
                }
            }
        }
        assertThat(overlapping).as("some garments overlap").isPositive();
    }

    @Test
    void rleRunsAreColumnMajorStartingWithBackground() {
        // 2x3 mask, rows: [1 0 0], [1 1 0] -> column-major 1 1 | 0 1 | 0 0 -> runs 0,2,1,1,2
        boolean[] mask = {true, false, false, true, true, false};
        assertThat(CocoRle.encode(mask, 2, 3)).containsExactly(0, 2, 1, 1, 2);
        assertThat(CocoRle.decode(List.of(0, 2, 1, 1, 2), 2, 3)).containsExactly(mask);
        assertThatThrownBy(() -> CocoRle.decode(List.of(3, 4), 2, 3)).hasMessageContaining("2x3");
    }

    @Test
    void compressedRleIsPycocotoolsStringFormat() {
        // rleToString by hand: counts from the fourth on minus the count two before; 5-bit
        // groups, low first, 0x20 = more follow, 0x10 of the last = sign, + '0'.
        // [0, 2, 1, 1, 2] -> 0, 2, 1, 1-2 = -1 (0x1f -> 'O'), 2-1 = 1
        assertThat(CocoRle.toCompressedString(List.of(0, 2, 1, 1, 2))).isEqualTo("021O1");
        // 100 = 3·32 + 4 -> 4|0x20 ('T'), 3; 40 = 32 + 8 -> 8|0x20 ('X'), 1; 3-5 = -2 -> 30 ('N')
        assertThat(CocoRle.toCompressedString(List.of(100, 5, 40, 3))).isEqualTo("T35X1N");
        // 1000 = 31·32 + 8 -> 'X', 31 has the sign bit so one more group: 31|0x20 ('o'), 0;
        // 1-1000 = -999 = -32·32 + 25 -> 25|0x20 ('i'), 0|0x20 ('P'), -1 -> 31 ('O')
        assertThat(CocoRle.toCompressedString(List.of(0, 1000, 0, 1))).isEqualTo("0Xo00iPO");
        for (String s : List.of("021O1", "T35X1N", "0Xo00iPO")) {
            assertThat(CocoRle.toCompressedString(CocoRle.fromCompressedString(s))).isEqualTo(s);
        }
        assertThat(CocoRle.fromCompressedString("0Xo00iPO")).containsExactly(0, 1000, 0, 1);
        assertThatThrownBy(() -> CocoRle.fromCompressedString("0T")).hasMessageContaining("end inside a number");
        assertThatThrownBy(() -> CocoRle.fromCompressedString("0 1")).hasMessageContaining("' ' at 1");
    }

    @Test
    void everyGarmentMaskSurvivesCompressedRle() {
        CanvasSet set = CanvasGenerator.generate(CanvasSpec.of(32, 12, 0, 5), TRAIN, TEST);
        for (Canvas c : set.train()) {
            for (GarmentInstance g : c.instances()) {
                List<Integer> counts = CocoRle.encode(g.mask(), c.size(), c.size());
                List<Integer> again = CocoRle.fromCompressedString(CocoRle.toCompressedString(counts));
                assertThat(again).isEqualTo(counts);
                assertThat(CocoRle.decode(again, c.size(), c.size())).isEqualTo(g.mask());
            }
        }
        // runs long enough for three groups, and deltas of both signs
        List<Integer> counts = List.of(70_000, 3, 1, 40_000, 0, 200);
        assertThat(CocoRle.fromCompressedString(CocoRle.toCompressedString(counts))).isEqualTo(counts);
    }

    @Test
    void aWrittenSetReadsBackIdentically() throws Exception {
        CanvasSet set = CanvasGenerator.generate(SPEC, TRAIN, TEST);
        CanvasDirectory.write(set, dir);
        assertThat(dir.resolve("train/instances.json")).exists();
        assertThat(dir.resolve(CanvasDirectory.LICENSE)).content().contains("MIT", "Zalando");
        BufferedImage png = ImageIO.read(dir.resolve("test/" + CocoJson.imageFileName(1)).toFile());
        assertThat(png.getWidth()).isEqualTo(32);
        CanvasSet read = CanvasDirectory.read(dir);
        assertThat(read.spec()).isEqualTo(SPEC);
        assertSame(set.train(), read.train());
        assertSame(set.test(), read.test());
        String json = Files.readString(dir.resolve("train/instances.json"));
        assertThat(json).contains("\"categories\"", "\"iscrowd\":0", "\"counts\"", "\"name\":\"Ankle boot\"");
    }

    @Test
    void anEmptyOrDamagedDirectoryIsRefusedWithTheReason() throws Exception {
        assertThatThrownBy(() -> CanvasDirectory.read(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a canvas set").hasMessageContaining("moco data canvases");
        CanvasDirectory.write(CanvasGenerator.generate(SPEC, TRAIN, TEST), dir);
        BufferedImage wrongSize = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY);
        Path image = dir.resolve("train/" + CocoJson.imageFileName(3));
        ImageIO.write(wrongSize, "png", image.toFile());
        assertThatThrownBy(() -> CanvasDirectory.read(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(image.toString()).hasMessageContaining("20x20");
        Path empty = dir.resolve("empty");
        CanvasDirectory.write(CanvasGenerator.generate(CanvasSpec.of(32, 0, 0, 1), TRAIN, TEST), empty);
        assertThatThrownBy(() -> CanvasDirectory.read(empty)).hasMessageContaining("holds no canvases");
    }

    private static void assertSame(List<Canvas> expected, List<Canvas> actual) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Canvas e = expected.get(i);
            Canvas a = actual.get(i);
            assertThat(a.imageId()).isEqualTo(e.imageId());
            assertThat(a.pixels()).isEqualTo(e.pixels());
            assertThat(a.semantic()).isEqualTo(e.semantic());
            assertThat(a.instances()).hasSameSizeAs(e.instances());
            List<String> ea = new ArrayList<>();
            List<String> aa = new ArrayList<>();
            for (int g = 0; g < e.instances().size(); g++) {
                ea.add(e.instances().get(g).label() + " " + e.instances().get(g).box() + " "
                        + Arrays.toString(e.instances().get(g).mask()) + " " + e.instances().get(g).sourceIndex());
                aa.add(a.instances().get(g).label() + " " + a.instances().get(g).box() + " "
                        + Arrays.toString(a.instances().get(g).mask()) + " " + a.instances().get(g).sourceIndex());
            }
            assertThat(aa).isEqualTo(ea);
        }
    }
}
