package dev.moco.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.core.config.MocoConfig;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.Precision;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The encoder a configuration names: {@code encoder.precision} and what checkpoints record of it. */
class ConfiguredEncoderTest {

    private static MocoConfig config(String... assignments) {
        MocoConfig.Builder b = MocoConfig.builder(Map.of()).preset("moco-v2");
        for (int i = 0; i < assignments.length; i += 2) {
            b.set(assignments[i], assignments[i + 1]);
        }
        return b.build();
    }

    @Test
    void fp32IsTheDefaultAndIsNotRecorded() {
        ConfiguredEncoder e = ConfiguredEncoder.from(config(MocoConfig.ENCODER_IMPLEMENTATION, "reference"), 1);
        assertThat(e.precision()).isEqualTo(Precision.FP32);
        assertThat(e.description().properties()).doesNotContainKey(EncoderDescription.PRECISION);
    }

    @Test
    void bf16IsRecordedForInformationAndDoesNotMakeAnotherEncoder() {
        ConfiguredEncoder fp32 = new ConfiguredEncoder(ConfiguredEncoder.from(config(MocoConfig.ENCODER_IMPLEMENTATION,
                "reference"), 1).spec(), EncoderImplementation.FAST, Precision.FP32);
        ConfiguredEncoder bf16 = new ConfiguredEncoder(fp32.spec(), EncoderImplementation.FAST, Precision.BF16);
        assertThat(bf16.description().properties()).containsEntry(EncoderDescription.PRECISION, "bf16");
        assertThat(bf16.description().sameEncoderAs(fp32.description())).isTrue();
    }

    @Test
    void bf16OnTheReferencePathIsAnErrorNamingBothKeys() {
        assertThatThrownBy(() -> ConfiguredEncoder.from(config(MocoConfig.ENCODER_IMPLEMENTATION, "reference",
                MocoConfig.ENCODER_PRECISION, "bf16"), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("encoder.precision = bf16 needs the fast path, but resnet20 runs on the reference path here"
                        + " (encoder.impl = reference)");
    }

    @Test
    void anUnknownPrecisionIsRefusedByTheConfiguration() {
        assertThatThrownBy(() -> config(MocoConfig.ENCODER_PRECISION, "fp16"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoder.precision").hasMessageContaining("fp16");
    }
}
