package dev.moco.core.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.util.Modules;
import dev.moco.api.ContrastiveLoss;
import dev.moco.api.DictionaryProvider;
import dev.moco.api.Encoder;
import dev.moco.api.InBatchKeys;
import dev.moco.api.SharedNegatives;
import dev.moco.core.Batch;
import dev.moco.core.MocoTrainer;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.ImageShape;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.loss.InfoNceLoss;
import dev.moco.api.testing.FixedNegativesProvider;
import dev.moco.api.testing.TinyEncoder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MocoModuleTest {

    /** A loss that counts its evaluations and otherwise is InfoNCE. */
    private static final class CountingLoss implements ContrastiveLoss {
        final InfoNceLoss infoNce = new InfoNceLoss(0.5);
        int calls;

        @Override
        public Result compute(INDArray queries, SharedNegatives contrast) {
            calls++;
            return infoNce.compute(queries, contrast);
        }

        @Override
        public InBatchResult compute(INDArray queries, InBatchKeys contrast) {
            calls++;
            return infoNce.compute(queries, contrast);
        }
    }

    private static final List<DictionaryProvider> PROVIDERS = List.of(new FixedNegativesProvider());

    private static MocoConfig config(String... settings) {
        return MocoConfig.builder(Map.of("fixed.count", "6")).preset("moco-v2")
                .set(List.of("dictionary=fixed", "feature.dim=3", "batch.size=4", "shuffle.groups=2", "optimizer.lr=0.07"))
                .set(List.of(settings)).build();
    }

    private static TrainingData data(int size) {
        ImageShape shape = new ImageShape(1, 2, 2);
        ImageDataset images = new ImageDataset() {
            public int size() { return size; }
            public ImageShape shape() { return shape; }
            public int label(int index) { return -1; }
            public void readImage(int index, float[] destination, int offset) {
                for (int p = 0; p < shape.length(); p++) {
                    destination[offset + p] = ((index * 7 + p * 3) % 10) / 10f;
                }
            }
        };
        return new TrainingData(images, new Normalize(new float[] {0.5f}, new float[] {0.25f}));
    }

    private static TinyEncoder encoder(int output) {
        return new TinyEncoder(4, 5, output, 3, DataType.FLOAT);
    }

    private static Batch batch(long step) {
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 2, 2);
        return new Batch(x, x.add(0.05), new long[] {0, 1, 2, 3}, step);
    }

    @Test
    void assemblesTheRunFromTheConfiguration() {
        TinyEncoder encoder = encoder(3);
        Injector injector = Guice.createInjector(new MocoModule(config(), encoder, data(8), PROVIDERS));
        MocoTrainer trainer = injector.getInstance(MocoTrainer.class);
        assertThat(trainer.queryEncoder()).isSameAs(encoder);
        assertThat(trainer.dictionary().negativesPerQuery()).isEqualTo(6);
        assertThat(injector.getInstance(ContrastiveLoss.class)).isInstanceOfSatisfying(InfoNceLoss.class,
                loss -> assertThat(loss.temperature()).isEqualTo(0.2));
        assertThat(trainer.optimizer().learningRate(new TrainingPosition(0, 0, 0, 2))).isEqualTo(0.07);
        assertThat(trainer.step(batch(0), new TrainingPosition(0, 0, 0, 2)).loss()).isPositive();
    }

    @Test
    void modulesOverrideReplacesTheEncoderAndTheLoss() {
        TinyEncoder theirs = encoder(3);
        CountingLoss loss = new CountingLoss();
        Injector injector = Guice.createInjector(Modules.override(new MocoModule(config(), encoder(3), data(8), PROVIDERS))
                .with(new AbstractModule() {
                    @Override
                    protected void configure() {
                        bind(Encoder.class).toInstance(theirs);
                        bind(ContrastiveLoss.class).toInstance(loss);
                    }
                }));
        MocoTrainer trainer = injector.getInstance(MocoTrainer.class);
        INDArray before = theirs.parameters().dup();
        trainer.step(batch(0), new TrainingPosition(0, 0, 0, 2));
        assertThat(trainer.queryEncoder()).isSameAs(theirs);
        assertThat(loss.calls).isEqualTo(1);
        assertThat(theirs.parameters()).as("the optimizer is built over the overriding encoder's views").isNotEqualTo(before);
    }

    @Test
    void anEncoderWhoseOutputIsNotTheFeatureDimensionIsNamedWithBothNumbers() {
        Injector injector = Guice.createInjector(new MocoModule(config(), encoder(5), data(8), PROVIDERS));
        assertThatThrownBy(() -> injector.getInstance(MocoTrainer.class))
                .isInstanceOf(ProvisionException.class)
                .hasRootCauseMessage("the query encoder (TinyEncoder) outputs 5 features but feature.dim is 3;"
                        + " set feature.dim=5 or give the encoder a head of 3 outputs");
    }

    @Test
    void aDictionaryNameThatIsNotInstalledListsTheInstalledOnes() {
        MocoConfig config = MocoConfig.builder(Map.of("fixed.count", "6")).preset("moco-v2")
                .set(List.of("feature.dim=3", "batch.size=4", "shuffle.groups=2")).build();   // the preset's queue
        Injector injector = Guice.createInjector(new MocoModule(config, encoder(3), data(8), PROVIDERS));
        assertThatThrownBy(() -> injector.getInstance(MocoTrainer.class))
                .hasRootCauseMessage("no dictionary named 'queue'; available: fixed");
    }

    @Test
    void aTrainingSetSmallerThanOneBatchIsAnError() {
        Injector injector = Guice.createInjector(new MocoModule(config(), encoder(3), data(3), PROVIDERS));
        assertThatThrownBy(() -> injector.getInstance(MocoTrainer.class))
                .hasRootCauseMessage("the training set has 3 images, fewer than one batch (batch.size=4)");
    }
}
