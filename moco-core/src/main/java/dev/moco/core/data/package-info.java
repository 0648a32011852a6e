/**
 * Training data for MoCo: data sets, two-view batches and evaluation batches.
 *
 * <ul>
 *   <li>{@link dev.moco.core.data.ImageDataset}: indexable images as CHW floats in [0, 1];
 *       {@link dev.moco.core.data.IdxDataset} (MNIST / Fashion-MNIST IDX files, from a
 *       directory or class-path resources), {@link dev.moco.core.data.ImageFolderDataset}
 *       (PNG/JPEG in class folders, like torchvision's ImageFolder),
 *       {@link dev.moco.core.data.Subset} and {@link dev.moco.core.data.DatasetSplit}.</li>
 *   <li>{@link dev.moco.core.data.TwoViewBatchLoader}: shuffled epochs of
 *       {@link dev.moco.core.data.TwoViewBatch}es (query and key views), augmented on worker
 *       threads ahead of the training step, reproducible and resumable.</li>
 *   <li>{@link dev.moco.core.data.SequentialBatchIterator}: images in order with labels, for
 *       kNN evaluation and feature export.</li>
 * </ul>
 *
 * <pre>{@code
 * DatasetSplit split = DatasetSplit.holdOut(FashionMnist.embeddedTest(), 2_000, 42);
 * AugmentationPipeline aug = AugmentationPreset.V2.pipeline(split.train().shape(), Normalize.FASHION_MNIST);
 * try (TwoViewBatchLoader loader = TwoViewBatchLoader.builder(split.train(), aug)
 *         .batchSize(256).epochs(20).seed(42).build()) {
 *     loader.forEachRemaining(trainer::step);
 * }
 * }</pre>
 */
package dev.moco.core.data;
