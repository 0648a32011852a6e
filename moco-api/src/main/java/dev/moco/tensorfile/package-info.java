/**
 * The one tensor file format: NumPy {@code .npy} tensors and digest-checked zip archives of
 * them, read and written by {@link dev.moco.tensorfile.TensorArchive}. Checkpoints (moco-core)
 * and encoder weights (moco-encoders) are both such archives.
 *
 * <p>It ships in moco-encoders, the lowest module that both the checkpoint code and the weights
 * code can depend on (moco-api holds interfaces only), and it depends on nothing of the
 * project's own (an ArchUnit rule holds that), so it could move to a module of its own without
 * a change.
 */
package dev.moco.tensorfile;
