package dev.moco.core.data.augment;

import dev.moco.core.data.ImageShape;
import dev.moco.api.kit.SplitMix64;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A sequence of {@link Augmentation}s turning one image of {@link #inputShape()} into one
 * view of {@link #outputShape()}. Thread-safe and allocation-free per image: each thread
 * passes its own {@link ImageBuffer} and {@link SplitMix64}.
 *
 * <pre>{@code
 * AugmentationPipeline v2 = AugmentationPreset.V2.pipeline(new ImageShape(1, 28, 28), Normalize.FASHION_MNIST);
 * ImageBuffer buffer = new ImageBuffer();
 * SplitMix64 random = new SplitMix64(SplitMix64.derive(seed, epoch, index, view));
 * v2.apply(image, 0, random, buffer, batch, i * v2.outputShape().length());
 * }</pre>
 */
public final class AugmentationPipeline {

    private final ImageShape inputShape;
    private final ImageShape outputShape;
    private final List<Augmentation> steps;
    private final Augmentation[] stepArray;

    /**
     * @throws IllegalArgumentException when a step does not fit the shape it receives (e.g.
     *     a three-channel {@link Normalize} after a one-channel input)
     */
    public AugmentationPipeline(ImageShape inputShape, List<Augmentation> steps) {
        this.inputShape = Objects.requireNonNull(inputShape, "inputShape");
        this.steps = List.copyOf(steps);
        this.stepArray = this.steps.toArray(new Augmentation[0]);
        ImageShape shape = inputShape;
        for (Augmentation step : this.steps) {
            if (step instanceof Normalize normalize && !normalize.fits(shape.channels())) {
                throw new IllegalArgumentException(normalize + " does not fit images of "
                        + shape.channels() + " channel(s) (shape " + shape + ")");
            }
            shape = step.outputShape(shape);
        }
        this.outputShape = shape;
    }

    /**
     * Augments the image at {@code source[sourceOffset ..]} (of {@link #inputShape()}) and
     * writes the view at {@code destination[destinationOffset ..]} (of {@link #outputShape()}).
     * The source is not modified.
     */
    public void apply(float[] source, int sourceOffset, SplitMix64 random, ImageBuffer buffer,
            float[] destination, int destinationOffset) {
        float[] pixels = buffer.reset(inputShape);
        System.arraycopy(source, sourceOffset, pixels, 0, inputShape.length());
        for (Augmentation step : stepArray) {
            step.apply(buffer, random);
        }
        if (buffer.channels() != outputShape.channels() || buffer.height() != outputShape.height()
                || buffer.width() != outputShape.width()) {
            throw new IllegalStateException("pipeline produced " + buffer.shape()
                    + " but declares " + outputShape + ": " + this);
        }
        System.arraycopy(buffer.pixels(), 0, destination, destinationOffset, outputShape.length());
    }

    public ImageShape inputShape() {
        return inputShape;
    }

    public ImageShape outputShape() {
        return outputShape;
    }

    public List<Augmentation> steps() {
        return steps;
    }

    @Override
    public String toString() {
        return inputShape + " -> " + steps.stream().map(Object::toString)
                .collect(Collectors.joining(" -> ")) + " -> " + outputShape;
    }
}
