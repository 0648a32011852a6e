package dev.moco.encoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.encoders.fast.FastEncoder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class EncoderImplementationTest {

    @Test
    void autoTakesTheFastPathForEveryResNetInFloatAndTheReferenceElsewhere() {
        Assumptions.assumeTrue(FastEncoder.isAvailable(), "oneDNN is not available here");
        EncoderSpec resnet20 = EncoderSpec.of("resnet20").withInputChannels(1);
        assertThat(EncoderImplementation.choose(resnet20, "auto")).isEqualTo(EncoderImplementation.FAST);
        for (String imageNet : new String[] {"resnet18", "resnet34", "resnet50"}) {
            assertThat(EncoderImplementation.choose(EncoderSpec.of(imageNet), "auto")).isEqualTo(EncoderImplementation.FAST);
        }
        assertThat(EncoderImplementation.choose(resnet20.withDataType(DataType.DOUBLE), "auto"))
                .isEqualTo(EncoderImplementation.REFERENCE);
        assertThat(EncoderImplementation.choose(resnet20, "reference")).isEqualTo(EncoderImplementation.REFERENCE);
        try (var encoder = EncoderImplementation.choose(resnet20, "fast").create(resnet20)) {
            assertThat(encoder).isInstanceOf(FastEncoder.class);
        }
    }

    @Test
    void askingForTheFastPathWhereItCannotRunSaysWhy() {
        assertThatThrownBy(() -> EncoderImplementation.choose(EncoderSpec.of("resnet50").withDataType(DataType.DOUBLE), "fast"))
                .hasMessageStartingWith("encoder.impl = fast, but");
        assertThatThrownBy(() -> EncoderImplementation.choose(EncoderSpec.of("resnet20"), "quick"))
                .hasMessageContaining("is not one of auto, fast, reference");
    }
}
