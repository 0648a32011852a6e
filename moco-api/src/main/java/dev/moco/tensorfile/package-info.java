/**
 * The one tensor file format of the project, which checkpoints and encoder weights both use:
 * NumPy {@code .npy} tensors ({@link dev.moco.tensorfile.Npy}) in digest-checked zip archives
 * ({@link dev.moco.tensorfile.TensorArchive}), written atomically
 * ({@link dev.moco.tensorfile.AtomicFile}); every read or write failure is a
 * {@link dev.moco.tensorfile.TensorFileException} that names the file and what is wrong.
 *
 * <p>It lives in moco-api, so the checkpoint code (moco-core), the weights code
 * (moco-encoders) and outside projects all reach it, and it depends on nothing of the
 * project's own, not even {@code dev.moco.api} (an ArchUnit rule holds that), so it could move
 * to a module of its own without a change.
 */
package dev.moco.tensorfile;
