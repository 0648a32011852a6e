package dev.moco.dict.membank;

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
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MemoryBankProviderTest {
    private static final DictionaryRegistry REGISTRY = DictionaryRegistry.discover();

    private static ConfiguredDictionaryContext context(TinyEncoder encoder, long datasetSize, String... keyValues) {
        MocoConfig.Builder config = MocoConfig.builder(REGISTRY.settings()).preset("moco-v1")
                .set(MocoConfig.DICTIONARY, MemoryBankProvider.NAME)
                .set(MocoConfig.BATCH_SIZE, "4")
                .set(MocoConfig.SHUFFLE_GROUPS, "1");
        for (int i = 0; i < keyValues.length; i += 2) {
            config.set(keyValues[i], keyValues[i + 1]);
        }
        return new ConfiguredDictionaryContext(config.build(), encoder, datasetSize);
    }

    private static TinyEncoder encoder() {
        return new TinyEncoder(4, 6, 5, 3, DataType.FLOAT);
    }

    @Test
    void declaresItsSettingsWithThePapersDefaults() {
        assertThat(new MemoryBankProvider().settings()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "memory-bank.negatives", "4096", "memory-bank.momentum", "0.5", "memory-bank.init", "random"));
        assertThat(REGISTRY.names()).contains("memory-bank");
    }

    @Test
    void isCreatedByNameFromTheConfiguration() {
        TinyEncoder encoder = encoder();
        Dictionary d = REGISTRY.create("memory-bank", context(encoder, 50, "memory-bank.negatives", "12",
                "memory-bank.momentum", "0.25"));
        assertThat(d).isInstanceOf(MemoryBankDictionary.class);
        MemoryBankDictionary bank = (MemoryBankDictionary) d;
        assertThat(bank.negativesPerQuery()).isEqualTo(12);
        assertThat(bank.momentum()).isEqualTo(0.25);
        assertThat(bank.bank().shape()).containsExactly(50, 5);
        assertThat(bank.bank().dataType()).isEqualTo(DataType.FLOAT);
        assertThat(bank.awaitsEncoderFill()).isFalse();
        assertThat(((MemoryBankDictionary) REGISTRY.create("memory-bank", context(encoder, 50,
                "memory-bank.negatives", "12", "memory-bank.init", "encoder"))).awaitsEncoderFill()).isTrue();
    }

    @Test
    void badSettingsNameTheKeyAndWhatIsAllowed() {
        TinyEncoder encoder = encoder();
        assertThatThrownBy(() -> REGISTRY.create("memory-bank", context(encoder, 50, "memory-bank.negatives", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memory-bank.negatives = 0").hasMessageContaining("[1, 46]");
        // the default K = 4096 does not fit a bank of 50 samples
        assertThatThrownBy(() -> REGISTRY.create("memory-bank", context(encoder, 50)))
                .hasMessageContaining("memory-bank.negatives = 4096").hasMessageContaining("[1, 46]");
        assertThatThrownBy(() -> REGISTRY.create("memory-bank", context(encoder, 50,
                "memory-bank.negatives", "8", "memory-bank.momentum", "1.01")))
                .hasMessageContaining("memory-bank.momentum = 1.01").hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> REGISTRY.create("memory-bank", context(encoder, 50,
                "memory-bank.negatives", "8", "memory-bank.init", "zeros")))
                .hasMessageContaining("memory-bank.init = 'zeros'").hasMessageContaining("'random' or 'encoder'");
    }

    @Test
    void trainsWithMocoTrainerWritingOnlyTheBatchRows() {
        TinyEncoder encoder = encoder();
        MemoryBankDictionary bank = (MemoryBankDictionary) REGISTRY.create("memory-bank",
                context(encoder, 20, "memory-bank.negatives", "10"));
        MocoTrainer trainer = new MocoTrainer(encoder, bank, new InfoNceLoss(0.07),
                new Optimizer(new SgdMomentum(0.03, 0.9, null), 1e-4, encoder.parameters(), encoder.gradients()));
        INDArray before = bank.bank().dup();
        INDArray images = Nd4j.rand(DataType.FLOAT, 4, 1, 2, 2);
        StepResult r = trainer.step(new Batch(images, images, new long[] {2, 3, 5, 7}, 0),
                new TrainingPosition(0, 0, 0, 5));
        assertThat(r.loss()).isFinite().isPositive();
        for (int i = 0; i < 20; i++) {
            boolean inBatch = i == 2 || i == 3 || i == 5 || i == 7;
            boolean unchanged = java.util.Arrays.equals(bank.bank().getRow(i).toFloatVector(),
                    before.getRow(i).toFloatVector());
            assertThat(unchanged).as("row %d is unchanged", i).isEqualTo(!inBatch);
        }
    }

    @Test
    void encoderInitialisationFillsTheBankFromTheTrainingImagesAtTheFirstStep() {
        TinyEncoder encoder = encoder();
        INDArray images = Nd4j.rand(DataType.FLOAT, 20, 1, 2, 2);
        int[] opened = {0};
        ConfiguredDictionaryContext base = context(encoder, 20, "memory-bank.negatives", "10", "memory-bank.init", "encoder");
        ConfiguredDictionaryContext withImages = new ConfiguredDictionaryContext(base.config(), encoder, 20, () -> {
            opened[0]++;
            return java.util.List.of(images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 12)),
                    images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(12, 20))).iterator();
        });
        MemoryBankDictionary bank = (MemoryBankDictionary) REGISTRY.create("memory-bank", withImages);
        assertThat(opened[0]).isZero();                  // nothing read before it is needed
        INDArray expected = dev.moco.api.kit.FeatureNormalization.normalize(
                encoder.forward(images, dev.moco.api.Encoder.Mode.INFERENCE).output());
        bank.contrast(new Batch(images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)),
                images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)), new long[] {0, 1, 2, 3}, 0), Nd4j.zeros(DataType.FLOAT, 4, 5));
        assertThat(opened[0]).isEqualTo(1);
        assertThat(bank.bank().sub(expected).amaxNumber().doubleValue()).isLessThan(1e-6);
    }

    @Test
    void aRestoredBankIsNotFilledAgain() {
        TinyEncoder encoder = encoder();
        ConfiguredDictionaryContext base = context(encoder, 20, "memory-bank.negatives", "10", "memory-bank.init", "encoder");
        MemoryBankDictionary bank = (MemoryBankDictionary) REGISTRY.create("memory-bank",
                new ConfiguredDictionaryContext(base.config(), encoder, 20, () -> {
                    throw new AssertionError("a resumed run must not read the training set for the bank");
                }));
        INDArray saved = dev.moco.api.kit.FeatureNormalization.normalize(Nd4j.rand(DataType.FLOAT, 20, 5));
        bank.restore(Map.of(MemoryBankDictionary.BANK_STATE, saved));
        INDArray images = Nd4j.rand(DataType.FLOAT, 4, 1, 2, 2);
        bank.contrast(new Batch(images, images, new long[] {0, 1, 2, 3}, 0), Nd4j.zeros(DataType.FLOAT, 4, 5));
        assertThat(bank.bank()).isEqualTo(saved);
    }
}
