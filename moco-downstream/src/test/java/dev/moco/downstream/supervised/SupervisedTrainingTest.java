package dev.moco.downstream.supervised;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.Normalize;
import dev.moco.downstream.testing.GarmentShapes;
import dev.moco.encoders.EncoderSpec;
import dev.moco.api.Encoder;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.HeadType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SupervisedTrainingTest {

    /** The fast encoder where it loads (this test is about the training loop, not the encoder). */
    private static Encoder classifier(int classes) {
        EncoderSpec spec = EncoderSpec.of("resnet20").withInputChannels(1).withHead(HeadType.LINEAR)
                .withFeatureDimension(classes).withSeed(4);
        return EncoderImplementation.choose(spec, "auto").create(spec);
    }

    @Test
    void theTrainingLossFallsOverEpochs() {
        GarmentShapes data = new GarmentShapes(32, 0, 4);
        List<Double> epochLoss = new ArrayList<>();
        new SupervisedTraining(classifier(4), new SupervisedSettings(3, 8, 0.05, 0.9, 1e-4, 1, 1),
                AugmentationPreset.NONE.pipeline(data.shape(), 14, 14, Normalize.FASHION_MNIST))
                .run(data, new SupervisedTraining.Listener() {
                    @Override
                    public void afterEpoch(int epoch, double meanLoss, double meanAccuracy, double imagesPerSecond,
                            double learningRate) {
                        epochLoss.add(meanLoss);
                    }
                });
        assertThat(epochLoss).hasSize(3);
        assertThat(epochLoss.get(2)).isLessThan(epochLoss.get(0));
    }

    @Test
    void labelsBeyondTheClassifierAreRefused() {
        GarmentShapes data = new GarmentShapes(16, 0, 10);
        assertThatThrownBy(() -> new SupervisedTraining(classifier(4), new SupervisedSettings(1, 8, 0.05, 0.9, 0, 1, 1),
                AugmentationPreset.NONE.pipeline(data.shape(), 14, 14, Normalize.FASHION_MNIST))
                .run(data, new SupervisedTraining.Listener() { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 4").hasMessageContaining("4 classes");
    }
}
