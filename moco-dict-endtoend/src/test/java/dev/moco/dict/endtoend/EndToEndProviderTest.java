package dev.moco.dict.endtoend;

import dev.moco.core.run.TrainingPosition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.moco.api.Dictionary;
import dev.moco.core.Batch;
import dev.moco.core.MocoTrainer;
import dev.moco.core.StepResult;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.loss.InfoNceLoss;
import dev.moco.core.optim.Optimizer;
import dev.moco.core.optim.SgdMomentum;
import dev.moco.api.testing.ThreadCollective;
import dev.moco.api.testing.TinyEncoder;
import dev.moco.core.wiring.ConfiguredDictionaryContext;
import dev.moco.core.wiring.DictionaryRegistry;
import java.util.Collections;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EndToEndProviderTest {

    @Test
    void isCreatedByNameWithTheBatchAndShuffleGroupsOfTheConfiguration() {
        DictionaryRegistry registry = DictionaryRegistry.discover();
        assertThat(registry.names()).contains("end-to-end");
        assertThat(new EndToEndProvider().settings()).isEmpty();

        MocoConfig config = MocoConfig.builder(registry.settings()).preset("moco-v1")
                .set("dictionary", "end-to-end").set("batch.size", "8").set("shuffle.groups", "2").build();
        TinyEncoder encoder = new TinyEncoder(4, 6, 5, 1, DataType.FLOAT);
        Dictionary d = registry.create("end-to-end", new ConfiguredDictionaryContext(config, encoder, 100));
        assertThat(d).isInstanceOf(EndToEndDictionary.class);
        assertThat(d.negativesPerQuery()).isEqualTo(7);

        // one MocoTrainer step: the query encoder is trained through both views
        MocoTrainer trainer = new MocoTrainer(encoder, d, new InfoNceLoss(0.2),
                new Optimizer(new SgdMomentum(0.03, 0.9, null), 0, encoder.parameters(), encoder.gradients()));
        INDArray before = encoder.parameters().dup();
        INDArray images = Nd4j.rand(DataType.FLOAT, 8, 1, 2, 2);
        StepResult r = trainer.step(new Batch(images, images.add(0.1), LongStream.range(0, 8).toArray(), 0),
                new TrainingPosition(0, 0, 0, 10));
        assertThat(r.loss()).isFinite().isPositive();
        assertThat(encoder.parameters().sub(before).amaxNumber().doubleValue()).isGreaterThan(0);
    }

    @Test
    void aDataParallelRunIsRefusedNamingTheDictionaryAndWhatIsMissing() {
        DictionaryRegistry registry = DictionaryRegistry.discover();
        MocoConfig config = MocoConfig.builder(registry.settings()).preset("moco-v1")
                .set("dictionary", "end-to-end").set("batch.size", "8").set("shuffle.groups", "2").build();
        List<Throwable> refusals = ThreadCollective.run(2, collective -> catchThrowable(() -> registry.create("end-to-end",
                new ConfiguredDictionaryContext(config, new TinyEncoder(4, 6, 5, 1, DataType.FLOAT), 100,
                        Collections::emptyIterator, collective))));
        assertThat(refusals).allSatisfy(refusal -> assertThat(refusal).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the end-to-end dictionary cannot run data-parallel (2 workers)")
                .hasMessageContaining("gradient of the gathered keys"));
    }
}
