package dev.moco.encoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.encoders.fast.FastResNet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class EncoderImplementationTest {

    @Test
    void autoTakesTheFastPathWhereItSupportsTheEncoderAndTheReferenceElsewhere() {
        Assumptions.assumeTrue(FastResNet.isAvailable(), "oneDNN is not available here");
        EncoderSpec resnet20 = EncoderSpec.of("resnet20").withInputChannels(1);
        assertThat(EncoderImplementation.choose(resnet20, "auto")).isEqualTo(EncoderImplementation.FAST);
        assertThat(EncoderImplementation.choose(EncoderSpec.of("resnet18"), "auto")).isEqualTo(EncoderImplementation.REFERENCE);
        assertThat(EncoderImplementation.choose(resnet20, "reference")).isEqualTo(EncoderImplementation.REFERENCE);
        assertThat(EncoderImplementation.choose(resnet20, "fast").create(resnet20)).isInstanceOf(FastResNet.class);
    }

    @Test
    void askingForTheFastPathWhereItCannotRunSaysWhy() {
        assertThatThrownBy(() -> EncoderImplementation.choose(EncoderSpec.of("resnet50"), "fast"))
                .hasMessageStartingWith("encoder.impl = fast, but");
        assertThatThrownBy(() -> EncoderImplementation.choose(EncoderSpec.of("resnet20"), "quick"))
                .hasMessageContaining("is not one of auto, fast, reference");
    }
}
