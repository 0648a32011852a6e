package dev.moco.core.run;

import dev.moco.api.Encoder;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.internal.TrainingSnapshot;
import java.nio.file.Path;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A pretrained query encoder loaded from a checkpoint, for features of one's own images: the
 * backbone's pooled output ({@link Encoder#represent}) after the normalisation the run
 * trained with.
 *
 * <pre>{@code
 * PretrainedEncoder pretrained = PretrainedEncoder.load(Path.of("runs/v2/checkpoints"), myEncoder);
 * INDArray features = pretrained.features(images);     // [N, C, H, W] in [0, 1] -> [N, D]
 * }</pre>
 */
public final class PretrainedEncoder {

    private final Encoder encoder;
    private final Normalize normalize;
    private final int imageSize;

    private PretrainedEncoder(Encoder encoder, Normalize normalize, int imageSize) {
        this.encoder = encoder;
        this.normalize = normalize;
        this.imageSize = imageSize;
    }

    /**
     * Loads the query encoder of a checkpoint into {@code encoder}.
     *
     * @param checkpoint a checkpoint {@code .zip}, or a directory holding {@code latest.zip}
     *     (a checkpoint directory or a run directory with {@code checkpoints/})
     * @param encoder a new encoder of the architecture that was pretrained; its parameters and
     *     buffers are overwritten
     * @return the loaded encoder with its normalisation
     * @throws dev.moco.core.checkpoint.CheckpointException if there is no readable checkpoint,
     *     or it was written for another architecture (naming the tensor and both shapes)
     */
    public static PretrainedEncoder load(Path checkpoint, Encoder encoder) {
        Checkpoint c = CheckpointDirectory.load(checkpoint);
        TrainingSnapshot.restoreQueryEncoder(c, encoder);
        String size = TrainingSnapshot.configuration(c).get(MocoConfig.IMAGE_SIZE);
        return new PretrainedEncoder(encoder, TrainingSnapshot.normalize(c), Integer.parseInt(size.trim()));
    }

    /** {@return the encoder, holding the checkpoint's parameters} */
    public Encoder encoder() {
        return encoder;
    }

    /**
     * The representations of {@code images}, normalised as in training, in inference mode.
     *
     * @param images [N, channels, height, width] with values in [0, 1], at the size the run
     *     trained on ({@code image.size})
     * @return [N, representationDimension()]
     * @throws IllegalArgumentException if the images are not [N, C, image.size, image.size]
     *     with as many channels as the normalisation has (or one)
     */
    public INDArray features(INDArray images) {
        long[] shape = images.shape();
        if (shape.length != 4 || shape[2] != imageSize || shape[3] != imageSize) {
            throw new IllegalArgumentException("images must be [N, channels, " + imageSize + ", " + imageSize
                    + "] (the encoder was pretrained at image.size=" + imageSize + "), got " + Arrays.toString(shape));
        }
        if (!normalize.fits((int) shape[1])) {
            throw new IllegalArgumentException("images have " + shape[1] + " channels, the pretraining normalisation "
                    + normalize.mean().length);
        }
        INDArray x = images.castTo(encoder.parameters().dataType()).dup('c');
        float[] mean = normalize.mean();
        float[] std = normalize.std();
        for (int c = 0; c < shape[1]; c++) {
            int k = mean.length == 1 ? 0 : c;
            x.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all())
                    .subi(mean[k]).divi(std[k]);
        }
        return encoder.represent(x);
    }
}
