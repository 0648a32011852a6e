package dev.moco.core.checkpoint;

/**
 * Names and keys of the checkpoint file format, version 1: a zip archive holding
 * {@value #ENTRY} (Java properties, UTF-8) and one {@code .npy} file per tensor under
 * {@code tensors/}. The manifest records, per tensor, its entry, element type, shape, byte
 * length and CRC-32, and is written last, so a file cut short has no manifest (and no zip
 * central directory) and is rejected whole.
 *
 * <pre>
 * format=moco-checkpoint
 * format.version=1
 * position.epoch=3
 * position.step-in-epoch=0
 * position.global-step=750
 * position.steps-per-epoch=250
 * property.seed=42
 * tensor.0.name=query-encoder/parameters
 * tensor.0.entry=tensors/0-query-encoder-parameters.npy
 * tensor.0.dtype=FLOAT
 * tensor.0.shape=272474
 * tensor.0.bytes=1089960
 * tensor.0.crc32=3735928559
 * tensors=5
 * </pre>
 */
final class CheckpointManifest {

    static final String ENTRY = "manifest.properties";
    static final String FORMAT = "moco-checkpoint";
    static final int VERSION = 1;

    static final String KEY_FORMAT = "format";
    static final String KEY_VERSION = "format.version";
    static final String KEY_EPOCH = "position.epoch";
    static final String KEY_STEP_IN_EPOCH = "position.step-in-epoch";
    static final String KEY_GLOBAL_STEP = "position.global-step";
    static final String KEY_STEPS_PER_EPOCH = "position.steps-per-epoch";
    static final String PROPERTY_PREFIX = "property.";
    static final String KEY_TENSORS = "tensors";

    private CheckpointManifest() {}

    static String tensorKey(int index, String field) {
        return "tensor." + index + "." + field;
    }

    /** The zip entry of tensor {@code index}: readable, and unique whatever the name. */
    static String entryName(int index, String component, String name) {
        String readable = (component + "-" + name).replaceAll("[^A-Za-z0-9._-]", "_");
        return "tensors/" + index + "-" + readable + ".npy";
    }
}
