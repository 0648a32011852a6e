package dev.moco.encoders;

/**
 * The projection head between the pooled backbone features and the contrastive features.
 *
 * <ul>
 *   <li>{@link #LINEAR}: MoCo v1 (He et al. 2020, Sec. 3.4 / 4): one fully connected layer to
 *       the feature dimension; tensors {@code fc.weight} [C, d], {@code fc.bias} [C] — the
 *       torchvision classifier with {@code num_classes = C}, which is what MoCo v1 builds.</li>
 *   <li>{@link #MLP}: MoCo v2 (Chen et al. 2020, arXiv 2003.04297): Linear(d, h)–ReLU–Linear(h, C)
 *       with h = d by default; tensors {@code head.0.weight} [h, d], {@code head.0.bias} [h],
 *       {@code head.2.weight} [C, h], {@code head.2.bias} [C].</li>
 *   <li>{@link #NONE}: the pooled backbone features themselves (C = d).</li>
 * </ul>
 */
public enum HeadType {
    NONE,
    LINEAR,
    MLP
}
