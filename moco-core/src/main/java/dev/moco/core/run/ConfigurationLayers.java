package dev.moco.core.run;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.wiring.DictionaryRegistry;
import java.nio.file.Path;
import java.util.List;

/**
 * The configuration of a pretraining as a command line layers it, each layer over the one
 * before: the resumed checkpoint's configuration, else a preset ({@code moco-v2} unless one is
 * named); a properties file; the dictionary; the epochs; {@code key=value} overrides. Any layer
 * but the first may be absent (null).
 *
 * <pre>{@code
 * MocoConfig config = new ConfigurationLayers("moco-v2", null, null, "queue", 20, List.of("queue.size=4096")).build();
 * }</pre>
 *
 * @param preset the preset, or null for {@code moco-v2}; ignored when {@code resumed} is given
 * @param resumed the checkpoint whose configuration is continued, or null
 * @param file a properties file of settings, or null
 * @param dictionary a dictionary's name, or null
 * @param epochs the epochs, or null
 * @param overrides {@code key=value} settings, applied last
 */
public record ConfigurationLayers(String preset, Checkpoint resumed, Path file, String dictionary, Integer epochs,
        List<String> overrides) {

    /**
     * {@return the validated configuration, checked against the dictionaries installed here}
     *
     * @throws IllegalArgumentException naming the preset, key or value that is wrong
     */
    public MocoConfig build() {
        MocoConfig.Builder builder = MocoConfig.builder(DictionaryRegistry.discover().settings());
        if (resumed != null) {
            CheckpointContents.configuration(resumed).forEach(builder::set);
        } else {
            builder.preset(preset == null ? "moco-v2" : preset);
        }
        if (file != null) {
            builder.file(file);
        }
        if (dictionary != null) {
            builder.set(MocoConfig.DICTIONARY, dictionary);
        }
        if (epochs != null) {
            builder.set(MocoConfig.EPOCHS, Integer.toString(epochs));
        }
        return builder.set(overrides).build();
    }
}
