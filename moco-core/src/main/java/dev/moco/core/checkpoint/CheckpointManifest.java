package dev.moco.core.checkpoint;

/**
 * Names and keys of the checkpoint file format, version 2: a
 * {@link dev.moco.tensorfile.TensorArchive} (a zip of one {@code .npy} per tensor under
 * {@code tensors/}, a manifest recording each tensor's entry, element type, shape, byte length
 * and SHA-256, and the manifest's own SHA-256) whose manifest also holds the format, the
 * position and the checkpoint's properties. Tensors are named {@code component/name}.
 *
 * <pre>
 * # moco checkpoint
 * format=moco-checkpoint
 * format.version=2
 * position.epoch=3
 * position.global-step=750
 * position.step-in-epoch=0
 * position.steps-per-epoch=250
 * property.seed=42
 * tensor.0.bytes=1089960
 * tensor.0.dtype=FLOAT
 * tensor.0.entry=tensors/0-query-encoder-parameters.npy
 * tensor.0.name=query-encoder/parameters
 * tensor.0.sha256=9f86d081884c7d65...
 * tensor.0.shape=272474
 * tensors=5
 * </pre>
 */
final class CheckpointManifest {

    static final String ENTRY = "manifest.properties";
    static final String FORMAT = "moco-checkpoint";
    static final int VERSION = 2;

    static final String KEY_FORMAT = "format";
    static final String KEY_VERSION = "format.version";
    static final String KEY_EPOCH = "position.epoch";
    static final String KEY_STEP_IN_EPOCH = "position.step-in-epoch";
    static final String KEY_GLOBAL_STEP = "position.global-step";
    static final String KEY_STEPS_PER_EPOCH = "position.steps-per-epoch";
    static final String PROPERTY_PREFIX = "property.";
    static final String KEY_TENSORS = "tensors";

    private CheckpointManifest() {}

    /** The zip entry of tensor {@code index}: readable, and unique whatever the name. */
    static String entryName(int index, String component, String name) {
        String readable = (component + "-" + name).replaceAll("[^A-Za-z0-9._-]", "_");
        return "tensors/" + index + "-" + readable + ".npy";
    }
}
