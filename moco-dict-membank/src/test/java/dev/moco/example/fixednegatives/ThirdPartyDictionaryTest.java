package dev.moco.example.fixednegatives;

import dev.moco.core.run.TrainingPosition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Dictionary;
import dev.moco.core.Batch;
import dev.moco.core.MocoTrainer;
import dev.moco.core.StepResult;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.loss.InfoNceLoss;
import dev.moco.core.optim.Optimizer;
import dev.moco.core.optim.SgdMomentum;
import dev.moco.api.testing.TinyEncoder;
import dev.moco.core.wiring.ConfiguredDictionaryContext;
import dev.moco.core.wiring.DictionaryRegistry;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A mechanism from outside moco-core is found, configured and trained by name. */
class ThirdPartyDictionaryTest {

    @Test
    void isDiscoveredConfiguredAndTrainedByNameWithoutChangingCore() {
        DictionaryRegistry registry = DictionaryRegistry.discover();
        assertThat(registry.names()).contains("fixed-negatives", "memory-bank");
        assertThat(registry.settings()).containsEntry("fixed-negatives.count", "16");

        MocoConfig config = MocoConfig.builder(registry.settings()).preset("moco-v2")
                .set("dictionary", "fixed-negatives")
                .set("fixed-negatives.count", "24")
                .set("batch.size", "4")
                .set("shuffle.groups", "1")
                .build();
        TinyEncoder encoder = new TinyEncoder(4, 6, 5, 1, DataType.FLOAT);
        Dictionary d = registry.create(config.getString("dictionary"),
                new ConfiguredDictionaryContext(config, encoder, 100));
        assertThat(d).isInstanceOf(FixedRandomNegatives.class);
        assertThat(d.negativesPerQuery()).isEqualTo(24);

        MocoTrainer trainer = new MocoTrainer(encoder, d, new InfoNceLoss(0.2),
                new Optimizer(new SgdMomentum(0.03, 0.9, null), 0, encoder.parameters(), encoder.gradients()));
        INDArray before = encoder.parameters().dup();
        INDArray images = Nd4j.rand(DataType.FLOAT, 4, 1, 2, 2);
        StepResult r = trainer.step(new Batch(images, images.mul(0.9), new long[] {0, 1, 2, 3}, 0),
                new TrainingPosition(0, 0, 0, 10));
        assertThat(r.loss()).isFinite().isPositive();
        assertThat(encoder.parameters().sub(before).amaxNumber().doubleValue()).isGreaterThan(0);
    }

    @Test
    void anUnknownNameListsTheInstalledOnes() {
        assertThatThrownBy(() -> DictionaryRegistry.discover().provider("fixed-negatvies"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fixed-negatvies").hasMessageContaining("fixed-negatives, memory-bank");
    }
}
