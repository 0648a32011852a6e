package dev.moco.spark;

import dev.moco.api.Encoder;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.EncoderSpec;
import java.io.Serializable;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * What ND4J and oneDNN compute on fixed inputs, to show that joining the collective changes
 * neither: an ND4J matrix product, and the forward pass of a fast-path (oneDNN) ResNet-20. Two
 * fingerprints taken in one process must be bitwise equal.
 *
 * @param matmul the product a·aᵀ of a fixed 64×64 matrix, flattened
 * @param features a fast ResNet-20's features of a fixed batch of 4 images, 1×28×28, flattened
 * @param encoder how the encoder was built (its implementation and spec)
 */
public record EngineFingerprint(float[] matmul, float[] features, String encoder) implements Serializable {

    /** The encoder every fingerprint runs: ResNet-20 on 1-channel 28×28 images, as the Fashion-MNIST runs use. */
    public static final EncoderSpec SPEC = EncoderSpec.of("resnet20").withInputChannels(1);

    private static final int MATRIX = 64;
    private static final int BATCH = 4;
    private static final int SIDE = 28;

    /** A new oneDNN encoder of {@link #SPEC}; fails with the reason if oneDNN does not load here. */
    public static Encoder buildEncoder() {
        return EncoderImplementation.choose(SPEC, "fast").create(SPEC);
    }

    /** Runs the matrix product and one inference pass of {@code encoder}. */
    public static EngineFingerprint take(Encoder encoder) {
        INDArray a = Nd4j.linspace(DataType.FLOAT, -1.0, 2.0 / (MATRIX * MATRIX), (long) MATRIX * MATRIX)
                .reshape(MATRIX, MATRIX);
        float[] product = a.mmul(a.transpose()).data().asFloat();
        INDArray images = Transforms.sin(Nd4j.linspace(DataType.FLOAT, 0.0, 0.01, (long) BATCH * SIDE * SIDE))
                .reshape(BATCH, 1, SIDE, SIDE);
        float[] features = encoder.forward(images, Encoder.Mode.INFERENCE).output().dup().data().asFloat();
        String built = EncoderImplementation.of(encoder).map(b -> b.implementation().id() + " " + b.spec().architecture())
                .orElse(encoder.getClass().getSimpleName());
        return new EngineFingerprint(product, features, built);
    }

    /** True if both computations gave the same bits. */
    public boolean identicalTo(EngineFingerprint other) {
        return Arrays.equals(matmul, other.matmul) && Arrays.equals(features, other.features);
    }
}
