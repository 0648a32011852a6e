package dev.moco.encoders;

import java.util.ArrayList;
import java.util.List;

/**
 * The one description of a ResNet encoder that every consumer reads: the reference layer
 * builder ({@link ResNetLayers}), the fast engine, the FLOP count and the parameter layout.
 * {@link ResNetArchitecture#topology(EncoderSpec)} produces it; nothing else knows which block
 * has which stride or which shortcut projects.
 *
 * <p>Tensor names are torchvision's: {@code conv1}/{@code bn1} for the stem,
 * {@code layer<s>.<b>.conv<i>}/{@code bn<i>} inside a block, {@code downsample.0}/{@code .1}
 * for a projection shortcut, {@code fc} or {@code head.0}/{@code head.2} for the head.
 *
 * @param inputChannels image channels
 * @param stem the first convolution, its BN (+ ReLU) and an optional 3×3/2 max-pool
 * @param stages residual blocks grouped by resolution, shallowest first
 * @param head the projection head's linear layers (ReLU between consecutive ones)
 */
public record ResNetTopology(int inputChannels, Stem stem, List<List<Block>> stages, List<Dense> head) {

    public ResNetTopology {
        stages = stages.stream().map(List::copyOf).toList();
        head = List.copyOf(head);
    }

    /** A bias-free convolution; output size ⌊(H + 2p − d(k−1) − 1)/s⌋ + 1 as {@code nn.Conv2d}. */
    public record Conv(String name, int in, int out, int kernel, int stride, int padding, int dilation) {
        public long outputSize(long size) {
            return (size + 2L * padding - (long) dilation * (kernel - 1) - 1) / stride + 1;
        }

        /** Multiply-adds ×2 of this convolution for a batch whose input is {@code h}×{@code w}. */
        public double flops(long batch, long h, long w) {
            return 2.0 * batch * out * outputSize(h) * outputSize(w) * in * kernel * kernel;
        }
    }

    /** A convolution followed by batch normalisation {@code bn}, with or without a ReLU after it. */
    public record ConvBn(Conv conv, String bn, boolean relu) {}

    /** The stem: conv–BN–ReLU, then a 3×3 stride-2 max-pool when {@code maxPool}. */
    public record Stem(ConvBn convBn, boolean maxPool) {
        public static final int POOL_KERNEL = 3;
        public static final int POOL_STRIDE = 2;
        public static final int POOL_PADDING = 1;

        /** Output size of the whole stem for an input of size {@code size}. */
        public long outputSize(long size) {
            long s = convBn.conv().outputSize(size);
            return maxPool ? (s + 2L * POOL_PADDING - POOL_KERNEL) / POOL_STRIDE + 1 : s;
        }
    }

    /** Which residual block: two 3×3 convolutions, or 1×1–3×3–1×1 with 4× expansion. */
    public enum BlockKind { BASIC, BOTTLENECK }

    /**
     * One residual block y = relu(F(x) + S(x)) (He et al. 2016): {@code in} → {@code out}
     * channels, the stride on the first 3×3 (torchvision v1.5 for bottlenecks), and a projection
     * shortcut (1×1 strided conv + BN, option B) exactly when the shape changes.
     */
    public record Block(String name, BlockKind kind, int in, int width, int out, int stride) {

        /** Output channels of a bottleneck block per channel of its 3×3 convolution. */
        public static final int BOTTLENECK_EXPANSION = 4;

        public boolean projects() {
            return stride != 1 || in != out;
        }

        /** F: the residual branch; the last BN has no ReLU (the join applies it after the sum). */
        public List<ConvBn> residual() {
            List<ConvBn> path = new ArrayList<>();
            if (kind == BlockKind.BASIC) {
                path.add(new ConvBn(new Conv(name + ".conv1", in, width, 3, stride, 1, 1), name + ".bn1", true));
                path.add(new ConvBn(new Conv(name + ".conv2", width, out, 3, 1, 1, 1), name + ".bn2", false));
            } else {
                path.add(new ConvBn(new Conv(name + ".conv1", in, width, 1, 1, 0, 1), name + ".bn1", true));
                path.add(new ConvBn(new Conv(name + ".conv2", width, width, 3, stride, 1, 1), name + ".bn2", true));
                path.add(new ConvBn(new Conv(name + ".conv3", width, out, 1, 1, 0, 1), name + ".bn3", false));
            }
            return path;
        }

        /** S when it projects, else null (the identity). */
        public ConvBn shortcut() {
            return projects()
                    ? new ConvBn(new Conv(name + ".downsample.0", in, out, 1, stride, 0, 1), name + ".downsample.1", false)
                    : null;
        }
    }

    /** A linear layer of the head, {@code in} → {@code out} features, weight [out, in] and bias. */
    public record Dense(String name, int in, int out) {}

    /** Number of stages whose outputs a feature-map pass returns. */
    public int stageCount() {
        return stages.size();
    }

    /** Output channels of each stage. */
    public int[] stageChannels() {
        return stages.stream().mapToInt(s -> s.get(s.size() - 1).out()).toArray();
    }

    /** Total stride of each stage's output relative to the input. */
    public int[] stageStrides() {
        int[] strides = new int[stages.size()];
        int stride = stem.convBn().conv().stride() * (stem.maxPool() ? Stem.POOL_STRIDE : 1);
        for (int s = 0; s < strides.length; s++) {
            for (Block b : stages.get(s)) {
                stride *= b.stride();
            }
            strides[s] = stride;
        }
        return strides;
    }

    /** Width of the pooled representation: the last stage's channels. */
    public int representationDimension() {
        int[] c = stageChannels();
        return c[c.length - 1];
    }

    /** Width of the encoder's output: the head's last layer, or the representation without a head. */
    public int outputDimension() {
        return head.isEmpty() ? representationDimension() : head.get(head.size() - 1).out();
    }

    /** Every block in forward order. */
    public List<Block> blocks() {
        return stages.stream().flatMap(List::stream).toList();
    }

    /**
     * FLOPs (2 per multiply-add) of the convolutions and the head in one forward pass over
     * {@code batch} images of {@code height}×{@code width}; a backward costs about twice as much
     * (data and weight gradients). BN, ReLU and pooling are a few percent on top.
     */
    public double forwardFlops(long batch, long height, long width) {
        Conv stemConv = stem.convBn().conv();
        double flops = stemConv.flops(batch, height, width);
        long h = stem.outputSize(height);
        long w = stem.outputSize(width);
        for (Block b : blocks()) {
            long bh = h;
            long bw = w;
            for (ConvBn c : b.residual()) {
                flops += c.conv().flops(batch, bh, bw);
                bh = c.conv().outputSize(bh);
                bw = c.conv().outputSize(bw);
            }
            if (b.projects()) {
                flops += b.shortcut().conv().flops(batch, h, w);
            }
            h = bh;
            w = bw;
        }
        for (Dense d : head) {
            flops += 2.0 * batch * d.in() * d.out();
        }
        return flops;
    }
}
