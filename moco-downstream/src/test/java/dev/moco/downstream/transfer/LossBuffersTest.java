package dev.moco.downstream.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CanvasGenerator;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.downstream.canvas.GarmentClasses;
import dev.moco.downstream.testing.GarmentShapes;
import dev.moco.encoders.DenseHead;
import dev.moco.encoders.ReferenceDenseHead;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The buffers the losses share: exact output, reuse across steps, and no output-sized heap arrays per step. */
class LossBuffersTest {

    private static final int STRIDE = 2;

    @Test
    void theGradientArrayIsNd4jCreateBitForBit() {
        double[] values = Nd4j.randn(DataType.DOUBLE, 2, 3, 4).data().asDouble();
        values[0] = 1e-40;      // below float's normal range: rounds as a cast does
        values[1] = 1.0000000596046448;     // halfway between two floats
        long[] shape = {2, 3, 4};
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            LossBuffers buffers = new LossBuffers().read(Nd4j.zeros(type, shape));
            System.arraycopy(values, 0, buffers.gradient(), 0, values.length);
            INDArray ours = buffers.gradientArray();
            INDArray theirs = Nd4j.create(values, shape, type);
            assertThat(ours.dataType()).isEqualTo(type);
            assertThat(ours.shape()).containsExactly(shape);
            assertThat(ours.ordering()).isEqualTo('c');
            assertThat(ours.data().asDouble()).containsExactly(theirs.data().asDouble());
        }
    }

    @Test
    void aSmallerOutputAfterALargerOneReadsItsOwnValuesAndAZeroGradient() {
        LossBuffers buffers = new LossBuffers();
        buffers.read(Nd4j.ones(DataType.FLOAT, 2, 3, 4, 4));
        java.util.Arrays.fill(buffers.gradient(), 7);
        INDArray small = Nd4j.randn(DataType.FLOAT, 1, 3, 2, 2);
        buffers.read(small);
        assertThat(buffers.shape()).containsExactly(1, 3, 2, 2);
        assertThat(java.util.Arrays.copyOf(buffers.output(), 12)).containsExactly(small.data().asDouble());
        INDArray gradient = buffers.gradientArray();
        assertThat(gradient.shape()).containsExactly(1, 3, 2, 2);
        assertThat(gradient.data().asDouble()).containsOnly(0.0);
    }

    /**
     * The instance task's loss, with its buffers reused from a larger batch before, equals the
     * one-shot losses; fails if a step sees the last step's gradient or values.
     */
    @Test
    void aReusedTaskLossEqualsTheOneShotLosses() {
        InstanceSegmentationTask task = new InstanceSegmentationTask(GarmentClasses.ALL, 2);
        DenseHead head = head(task);
        InstanceChannels channels = new InstanceChannels(GarmentClasses.ALL, 2);
        List<Canvas> large = canvases(16, 4, 3);
        List<Canvas> batch = canvases(16, 2, 4);
        Nd4j.getRandom().setSeed(8);
        task.loss(head, Nd4j.randn(DataType.FLOAT, 4, channels.total(), 8, 8).muli(3), large);
        INDArray output = Nd4j.randn(DataType.FLOAT, 2, channels.total(), 8, 8);

        LossResult reused = task.loss(head, output, batch);

        CenterNetTargets targets = CenterNetTargets.of(batch, GarmentClasses.ALL, STRIDE);
        LossResult detector = CenterNetLoss.compute(output, targets);
        LossResult masks = PrototypeMaskLoss.compute(output, channels, targets, batch, STRIDE);
        assertThat(reused.value()).isEqualTo(detector.value() + InstanceSegmentationTask.MASK_WEIGHT * masks.value());
        // the two losses' channels are disjoint, so the sum in double rounds to the sum of the floats
        assertThat(reused.gradient().data().asDouble())
                .containsExactly(detector.gradient().add(masks.gradient()).data().asDouble());
    }

    /**
     * Once warm, a step's loss allocates on the heap less than one double copy of the output
     * (the targets' heatmap and the object lists remain); reading the output and making the
     * gradient anew each step allocated four.
     */
    @Test
    void aWarmInstanceLossAllocatesLessThanOneCopyOfTheOutput() {
        InstanceSegmentationTask task = new InstanceSegmentationTask(GarmentClasses.ALL, 8);
        DenseHead head = head(task);
        InstanceChannels channels = new InstanceChannels(GarmentClasses.ALL, 8);
        List<Canvas> batch = canvases(64, 8, 5);
        INDArray output = Nd4j.randn(DataType.FLOAT, 8, channels.total(), 32, 32);
        for (int i = 0; i < 3; i++) {
            task.loss(head, output, batch).gradient().close();
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        task.loss(head, output, batch).gradient().close();
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(allocated).isLessThan(output.length() * Double.BYTES);
    }

    private static DenseHead head(InstanceSegmentationTask task) {
        return new ReferenceDenseHead(task.headTopology(new int[] {2, 3}, new int[] {1, 2}, 2), 1, DataType.FLOAT);
    }

    private static List<Canvas> canvases(int size, int count, long seed) {
        return CanvasGenerator.generate(CanvasSpec.of(size, count, 0, seed), new GarmentShapes(20, 0, 3),
                new GarmentShapes(20, 0, 3)).train();
    }
}
