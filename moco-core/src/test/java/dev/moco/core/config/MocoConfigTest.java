package dev.moco.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MocoConfigTest {

    private static final Map<String, String> QUEUE_SETTINGS = Map.of("queue.size", "65536", "queue.momentum", "0.999");

    @Test
    void presetsFollowThePapers() {
        MocoConfig v1 = MocoConfig.builder(QUEUE_SETTINGS).preset("moco-v1").build();
        assertThat(v1.getInt("queue.size")).isEqualTo(65536);
        assertThat(v1.getDouble("queue.momentum")).isEqualTo(0.999);
        assertThat(v1.getDouble(MocoConfig.TEMPERATURE)).isEqualTo(0.07);
        assertThat(v1.getString(MocoConfig.HEAD)).isEqualTo("linear");
        assertThat(v1.getDouble(MocoConfig.LEARNING_RATE)).isEqualTo(0.03);
        assertThat(v1.getString(MocoConfig.SCHEDULE)).isEqualTo("step");
        assertThat(v1.getIntList(MocoConfig.MILESTONES)).containsExactly(120, 160);

        MocoConfig v2 = MocoConfig.builder(QUEUE_SETTINGS).preset("moco-v2").build();
        assertThat(v2.getDouble(MocoConfig.TEMPERATURE)).isEqualTo(0.2);
        assertThat(v2.getString(MocoConfig.HEAD)).isEqualTo("mlp");
        assertThat(v2.getString(MocoConfig.SCHEDULE)).isEqualTo("cosine");
        assertThat(v2.getString(MocoConfig.AUGMENTATION)).isEqualTo("v2");
    }

    @Test
    void overridesReplacePresetValues() {
        MocoConfig config = MocoConfig.builder(QUEUE_SETTINGS).preset("moco-v2")
                .set(List.of("queue.size=4096", "temperature=0.1")).build();
        assertThat(config.getInt("queue.size")).isEqualTo(4096);
        assertThat(config.getDouble(MocoConfig.TEMPERATURE)).isEqualTo(0.1);
    }

    @Test
    void unknownKeyIsRejectedWithASuggestion() {
        assertThatThrownBy(() -> MocoConfig.builder(QUEUE_SETTINGS).preset("moco-v2").set("queue.sise", "4"))
                .hasMessageContaining("unknown configuration key 'queue.sise'")
                .hasMessageContaining("did you mean 'queue.size'");
    }

    @Test
    void wrongTypesAndImpossibleValuesNameTheKeyAndTheRange() {
        assertThatThrownBy(() -> build("temperature=0"))
                .hasMessageContaining("'temperature' is '0', but must be a number > 0");
        assertThatThrownBy(() -> build("batch.size=many"))
                .hasMessageContaining("'batch.size' is 'many', but must be an integer >= 1");
        assertThatThrownBy(() -> build("optimizer.momentum=1"))
                .hasMessageContaining("must be a number in [0, 1)");
        assertThatThrownBy(() -> build("schedule=linear"))
                .hasMessageContaining("must be one of step, cosine");
        assertThatThrownBy(() -> build("batch.size=100", "shuffle.groups=8"))
                .hasMessageContaining("'shuffle.groups' is 8, but must divide batch.size (100)");
    }

    @Test
    void queryBnGroupsMustDivideTheBatchAndShuffleIsASwitch() {
        assertThatThrownBy(() -> build("batch.size=96", "shuffle.groups=8", "query.bn-groups=5"))
                .hasMessageContaining("'query.bn-groups' is 5, but must divide batch.size (96)");
        assertThatThrownBy(() -> build("shuffle.enabled=maybe"))
                .hasMessageContaining("'shuffle.enabled' is 'maybe', but must be one of true, false");
        MocoConfig paperAblation = build("query.bn-groups=8", "shuffle.enabled=false");
        assertThat(paperAblation.getInt(MocoConfig.QUERY_BN_GROUPS)).isEqualTo(8);
        assertThat(paperAblation.getString(MocoConfig.SHUFFLE_ENABLED)).isEqualTo("false");
    }

    @Test
    void keysAddedLaterDefaultToTheOldBehaviourForOlderConfigurations() {
        // a checkpoint's configuration from before query.bn-groups and shuffle.enabled existed
        Map<String, String> old = new java.util.LinkedHashMap<>(MocoConfig.builder(QUEUE_SETTINGS).preset("moco-v2").build().asMap());
        old.remove(MocoConfig.QUERY_BN_GROUPS);
        old.remove(MocoConfig.SHUFFLE_ENABLED);
        MocoConfig.Builder builder = MocoConfig.builder(QUEUE_SETTINGS);
        old.forEach(builder::set);
        MocoConfig config = builder.build();
        assertThat(config.getInt(MocoConfig.QUERY_BN_GROUPS)).isEqualTo(1);
        assertThat(config.getString(MocoConfig.SHUFFLE_ENABLED)).isEqualTo("true");
    }

    @Test
    void providerKeysAreTypeCheckedWhenRead() {
        MocoConfig config = build("queue.size=lots");
        assertThatThrownBy(() -> config.getInt("queue.size"))
                .hasMessageContaining("'queue.size' must be an integer, got 'lots'");
    }

    @Test
    void aPropertiesFileIsLayeredBetweenPresetAndOverrides(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.properties");
        Files.writeString(file, "epochs = 3\nbatch.size = 64\n");
        MocoConfig config = MocoConfig.builder(QUEUE_SETTINGS).preset("moco-v1").file(file)
                .set("epochs", "5").build();
        assertThat(config.getInt(MocoConfig.EPOCHS)).isEqualTo(5);
        assertThat(config.getInt(MocoConfig.BATCH_SIZE)).isEqualTo(64);
    }

    @Test
    void unknownPresetListsTheAvailableOnes() {
        assertThatThrownBy(() -> MocoConfig.builder(QUEUE_SETTINGS).preset("moco-v3"))
                .hasMessageContaining("unknown preset 'moco-v3'; available: moco-v1, moco-v2");
    }

    private static MocoConfig build(String... assignments) {
        return MocoConfig.builder(QUEUE_SETTINGS).preset("moco-v2").set(List.of(assignments)).build();
    }
}
