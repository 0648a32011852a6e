package dev.moco.downstream.transfer;

import dev.moco.api.Encoder;
import dev.moco.downstream.metrics.BinaryMask;
import dev.moco.downstream.metrics.BoundingBox;
import dev.moco.downstream.metrics.DetectedBox;
import dev.moco.downstream.metrics.DetectedInstance;
import dev.moco.encoders.nn.BilinearUpsample;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns an instance head's output into instances as YOLACT does: the detector's peaks
 * ({@link CenterNetDecoder#peaks}), and for each the mask logits assembled from the
 * prototypes with the coefficients read at its cell ({@link PrototypeMaskLoss}), resized
 * bilinearly from the grid to the input ({@link BilinearUpsample}, half-pixel centres),
 * cropped to the predicted box (pixels whose centre lies inside it) and thresholded at
 * σ = 0.5 (logit 0).
 */
public final class PrototypeMaskDecoder {

    private PrototypeMaskDecoder() {
    }

    /**
     * @param imageIds the COCO image id of each image of the batch
     * @param stride the grid's stride in input pixels
     * @param size the side of the (square) input images
     */
    public static List<DetectedInstance> decode(INDArray output, InstanceChannels channels, int stride, int size,
            int[] imageIds) {
        List<CenterNetDecoder.Peak> peaks = CenterNetDecoder.peaks(output, channels.garmentClasses(), stride, imageIds);
        if (peaks.isEmpty()) {
            return List.of();
        }
        int gh = (int) output.size(2);
        int gw = (int) output.size(3);
        int plane = gh * gw;
        double[] z = NativeValues.toDoubles(output);
        double[] coefficients = new double[channels.prototypes()];
        double[] logits = new double[plane];
        float[] grid = new float[peaks.size() * plane];
        for (int d = 0; d < peaks.size(); d++) {
            CenterNetDecoder.Peak peak = peaks.get(d);
            PrototypeMaskLoss.assemble(z, peak.image() * channels.total() * plane, plane, channels, peak.cell(), coefficients,
                    logits);
            for (int p = 0; p < plane; p++) {
                grid[d * plane + p] = (float) logits[p];
            }
        }
        INDArray resized = BilinearUpsample.toSize(size, size)
                .forward(Nd4j.create(grid, new long[] {peaks.size(), 1, gh, gw}, 'c'), Encoder.Mode.INFERENCE, 1)
                .output().castTo(DataType.FLOAT).dup('c');
        float[] full = resized.data().asFloat();
        List<DetectedInstance> instances = new ArrayList<>(peaks.size());
        for (int d = 0; d < peaks.size(); d++) {
            DetectedBox box = peaks.get(d).detection();
            boolean[] mask = new boolean[size * size];
            BoundingBox b = box.box();
            for (int y = 0; y < size; y++) {
                double centreY = y + 0.5;
                if (centreY < b.y() || centreY >= b.y() + b.height()) {
                    continue;
                }
                for (int x = 0; x < size; x++) {
                    double centreX = x + 0.5;
                    mask[y * size + x] = centreX >= b.x() && centreX < b.x() + b.width()
                            && full[d * size * size + y * size + x] > 0;
                }
            }
            instances.add(new DetectedInstance(box, BinaryMask.of(mask, size, size)));
        }
        return instances;
    }
}
