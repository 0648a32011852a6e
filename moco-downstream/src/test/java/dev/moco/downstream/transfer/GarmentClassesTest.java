package dev.moco.downstream.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.core.data.augment.Normalize;
import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CanvasGenerator;
import dev.moco.downstream.canvas.CanvasSet;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.downstream.canvas.GarmentClasses;
import dev.moco.downstream.canvas.GarmentInstance;
import dev.moco.downstream.metrics.DetectedBox;
import dev.moco.downstream.metrics.DetectedInstance;
import dev.moco.downstream.testing.GarmentShapes;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.Encoders;
import dev.moco.encoders.HeadType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Heads of some garment classes: canvases of labels 5 and 6 scored by two-class heads. */
class GarmentClassesTest {

    /** Canvases whose garments are of classes 5 and 6 only. */
    private static final CanvasSet NOVEL = CanvasGenerator.generate(CanvasSpec.of(16, 8, 4, 3),
            new GarmentShapes(30, 5, 2), new GarmentShapes(30, 5, 2));

    @Test
    void classesAreNumberedByChannelAndKeepTheirLabelsAndNames() {
        GarmentClasses classes = GarmentClasses.of(5, 7, 9);
        assertThat(classes.count()).isEqualTo(3);
        assertThat(classes.channel(7)).isEqualTo(1);
        assertThat(classes.label(2)).isEqualTo(9);
        assertThat(classes.name(0)).isEqualTo("Sandal");
        assertThat(classes).hasToString("5,7,9");
        assertThat(GarmentClasses.ALL).isEqualTo(GarmentClasses.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        assertThatThrownBy(() -> classes.channel(6)).hasMessage("a garment of class 6 is not one of the head's classes"
                + " 5,7,9; build the canvases from these classes only");
        assertThatThrownBy(() -> GarmentClasses.of(3, 10)).hasMessage("garment class 10 is not a Fashion-MNIST label (0..9)");
        assertThatThrownBy(() -> GarmentClasses.of(4, 4)).hasMessage("garment class 4 is listed twice");
        assertThatThrownBy(GarmentClasses::of).hasMessage("no garment classes chosen: name at least one label");
    }

    @Test
    void aGarmentPeaksOnTheHeatmapOfItsClassesChannel() {
        List<Canvas> batch = NOVEL.train().subList(0, 4);
        for (GarmentClasses classes : List.of(GarmentClasses.of(5, 6), GarmentClasses.of(6, 5))) {
            CenterNetTargets targets = CenterNetTargets.of(batch, classes, 2);
            assertThat(targets.classes()).isEqualTo(2);
            int plane = targets.gridHeight() * targets.gridWidth();
            for (CenterNetTargets.ObjectTarget o : targets.objects()) {
                GarmentInstance garment = garmentAt(batch.get(o.image()), o, targets.gridWidth());
                int channel = classes.labels().indexOf(garment.label());
                assertThat(targets.heatmap()[(o.image() * 2 + channel) * plane + o.cell()]).as("peak of %s in channel %d of %s",
                        garment.label(), channel, classes).isEqualTo(1f);
            }
        }
        assertThatThrownBy(() -> CenterNetTargets.of(batch, GarmentClasses.of(5), 2))
                .hasMessageContaining("a garment of class 6 is not one of the head's classes 5");
    }

    /** The garment whose box centre falls in the target's cell (the topmost if several). */
    private static GarmentInstance garmentAt(Canvas canvas, CenterNetTargets.ObjectTarget o, int gridWidth) {
        GarmentInstance found = null;
        for (GarmentInstance g : canvas.instances()) {
            int column = Math.min(gridWidth - 1, (int) Math.floor((g.box().x() + g.box().width() / 2) / 2));
            int row = Math.min(gridWidth - 1, (int) Math.floor((g.box().y() + g.box().height() / 2) / 2));
            if (row * gridWidth + column == o.cell()) {
                found = g;
            }
        }
        return found;
    }

    @Test
    void segmentationScoresTheMaskValuesOfTheChosenClassesAsBackgroundPlusTheirChannels() {
        List<Canvas> batch = NOVEL.test().subList(0, 4);
        int size = batch.get(0).size();
        // the perfect output, written without GarmentClasses: class 0 on the background (mask 0), class 1 + (label − 5)
        // on a garment of label = mask − 1, so mask − 5
        INDArray output = Nd4j.zeros(DataType.FLOAT, batch.size(), 3, size, size);
        for (int i = 0; i < batch.size(); i++) {
            for (int p = 0; p < size * size; p++) {
                int mask = batch.get(i).semanticClass(p);
                output.putScalar(new long[] {i, mask == 0 ? 0 : mask - 5, p / size, p % size}, 1f);
            }
        }
        SegmentationTask task = new SegmentationTask(GarmentClasses.of(5, 6));
        TransferTask.Evaluation evaluation = task.evaluation(null);     // segmentation's scoring reads no head
        evaluation.add(output, batch);
        assertThat(evaluation.metrics().get(SegmentationTask.MIOU)).isEqualTo(1.0);
        assertThat(task.lastScores().classIou()).hasSize(3);
        // the predicted masks are written as the ground truth is: 0 background, label + 1
        assertThat(task.lastMasks()).hasSize(batch.size());
        for (Canvas c : batch) {
            assertThat(task.lastMasks().get(c.imageId())).as("mask of canvas %d", c.imageId()).isEqualTo(c.semantic());
        }
    }

    @Test
    void aTwoClassDetectorReportsTheCategoryIdsOfItsLabels() {
        DetectionTask task = new DetectionTask(GarmentClasses.of(5, 6));
        new FineTuning(Encoders.create(EncoderSpec.of("resnet20").withInputChannels(1).withHead(HeadType.NONE).withSeed(2)),
                task, new FineTuneSettings(1, 4, 0.05, 0.9, 1e-4, 8, 1), Normalize.FASHION_MNIST)
                .run(NOVEL, new FineTuning.Listener() { });
        // an untrained head peaks in both channels: category ids label + 1 = 6 and 7, never the channels' 1 and 2
        assertThat(task.lastDetections()).extracting(DetectedBox::categoryId).containsOnly(6, 7);
    }

    @Test
    void aTwoClassInstanceHeadReportsTheCategoryIdsOfItsLabels() {
        InstanceChannels channels = new InstanceChannels(GarmentClasses.of(5, 6), 2);
        Nd4j.getRandom().setSeed(3);
        INDArray output = Nd4j.randn(DataType.FLOAT, 2, channels.total(), 8, 8);
        List<DetectedInstance> found = PrototypeMaskDecoder.decode(output, channels, 2, 16, new int[] {11, 12});
        // random heatmaps peak in both channels: category ids label + 1 = 6 and 7, never the channels' 1 and 2
        assertThat(found).extracting(d -> d.detectedBox().categoryId()).containsOnly(6, 7);
    }
}
