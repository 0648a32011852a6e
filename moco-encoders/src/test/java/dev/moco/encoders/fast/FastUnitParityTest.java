package dev.moco.encoders.fast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.api.Encoder;
import dev.moco.encoders.ResNetTopology;
import dev.moco.encoders.nn.BatchNorm2d;
import dev.moco.encoders.nn.BilinearUpsample;
import dev.moco.encoders.nn.Conv2d;
import dev.moco.encoders.nn.GlobalAveragePool;
import dev.moco.encoders.nn.Layer;
import dev.moco.encoders.nn.LayerPass;
import dev.moco.encoders.nn.Linear;
import dev.moco.encoders.nn.MaxPool2d;
import dev.moco.encoders.nn.Parameter;
import dev.moco.encoders.nn.ParameterBank;
import dev.moco.encoders.nn.Relu;
import dev.moco.encoders.nn.Sequential;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every fast unit against its reference layer (whose backward is finite-difference checked in
 * {@code LayerGradientTest}): forward output, input gradient and parameter gradients (and BN
 * running statistics), the reference in DOUBLE with the fast unit's parameters.
 */
class FastUnitParityTest {

    private static final double TOLERANCE = 1e-4;

    @BeforeAll
    static void oneDnnLoads() {
        Assumptions.assumeTrue(FastEncoder.isAvailable(), FastEncoder::unavailableReason);
    }

    private static double relativeError(INDArray actual, INDArray expected) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        return actual.castTo(DataType.DOUBLE).sub(e).norm2Number().doubleValue() / Math.max(1e-12, e.norm2Number().doubleValue());
    }

    /** The same reference layer twice: in FLOAT (the fast unit binds its tensors) and in DOUBLE (the truth), equal values. */
    private record Twins(ParameterBank fast, ParameterBank truth, Layer reference) {
        static Twins of(Function<ParameterBank, Layer> build) {
            ParameterBank fast = new ParameterBank();
            build.apply(fast);
            ParameterBank truth = new ParameterBank();
            Layer reference = build.apply(truth);
            fast.allocate(DataType.FLOAT, 3L);
            truth.allocate(DataType.DOUBLE, null);
            Nd4j.getRandom().setSeed(41);
            if (fast.parameters().length() > 0) {
                fast.parameters().addi(Nd4j.randn(DataType.FLOAT, fast.parameters().shape()).muli(0.1));
                truth.parameters().assign(fast.parameters().castTo(DataType.DOUBLE));
                truth.buffers().assign(fast.buffers().castTo(DataType.DOUBLE));
            }
            return new Twins(fast, truth, reference);
        }

        INDArray value(String name) {
            return fast.get(name).value();
        }

        INDArray gradient(String name) {
            return fast.get(name).gradient();
        }
    }

    /** Runs both on {@code x}; compares output, input gradient, every parameter gradient and buffer. */
    private static void compare(Twins twins, UnitHarness fast, INDArray x, int groups) {
        compare(twins, fast, x, groups, TOLERANCE);
    }

    private static void compare(Twins twins, UnitHarness fast, INDArray x, int groups, double tolerance) {
        Encoder.Mode mode = groups > 0 ? Encoder.Mode.TRAINING : Encoder.Mode.INFERENCE;
        INDArray y = fast.forward(x);
        LayerPass r = twins.reference().forward(x.castTo(DataType.DOUBLE), mode, Math.max(1, groups));
        assertThat(y.shape()).containsExactly(r.output().shape());
        assertThat(relativeError(y, r.output())).as("output").isLessThan(tolerance);
        for (Parameter p : twins.truth().all()) {
            if (p.kind() == Parameter.Kind.BUFFER) {
                assertThat(relativeError(twins.value(p.name()), p.value())).as("buffer %s", p.name()).isLessThan(tolerance);
            }
        }
        if (groups == 0) {
            return;
        }
        INDArray dy = Nd4j.randn(DataType.FLOAT, y.shape());
        INDArray dx = fast.backward(dy);
        assertThat(relativeError(dx, r.backward(dy.castTo(DataType.DOUBLE)))).as("input gradient").isLessThan(tolerance);
        for (Parameter p : twins.truth().all()) {
            if (p.kind() == Parameter.Kind.TRAINABLE) {
                assertThat(relativeError(twins.gradient(p.name()), p.gradient())).as("gradient of %s", p.name())
                        .isLessThan(tolerance);
            }
        }
    }

    private static INDArray input(long... shape) {
        Nd4j.getRandom().setSeed(42);
        return Nd4j.randn(DataType.FLOAT, shape);
    }

    @ParameterizedTest(name = "k{0} s{1} p{2} d{3}")
    @CsvSource({"3, 1, 1, 1", "3, 2, 1, 1", "1, 2, 0, 1", "3, 1, 2, 2", "7, 2, 3, 1"})
    void convolution(int kernel, int stride, int padding, int dilation) {
        Twins twins = Twins.of(bank -> new Conv2d(bank, "c", 16, 32, kernel, stride, padding, dilation));
        ResNetTopology.Conv spec = new ResNetTopology.Conv("c", 16, 32, kernel, stride, padding, dilation);
        long out = spec.outputSize(9);
        try (UnitHarness fast = new UnitHarness(new long[] {2, 16, 9, 9}, 1, (net, in) -> new ConvUnit(spec, in,
                net.activation("c", 32, out, out, UnitHarness.blocked()), twins.value("c.weight"),
                twins.gradient("c.weight"), ConvUnit.defaultAlgorithm(), null))) {
            compare(twins, fast, input(2, 16, 9, 9), 1);
        }
    }

    /**
     * The convolution in {@code encoder.precision = bf16}: input, weights and output gradient
     * rounded to bf16 (8 mantissa bits), so within 1e-2 rather than 1e-4 of the DOUBLE reference.
     */
    @ParameterizedTest(name = "bf16 k{0} s{1} p{2} d{3}")
    @CsvSource({"3, 1, 1, 1", "3, 2, 1, 1", "1, 2, 0, 1", "7, 2, 3, 1"})
    void convolutionInBf16(int kernel, int stride, int padding, int dilation) {
        Assumptions.assumeTrue(ConvUnit.bf16UnsupportedReason() == null, ConvUnit::bf16UnsupportedReason);
        Twins twins = Twins.of(bank -> new Conv2d(bank, "c", 16, 32, kernel, stride, padding, dilation));
        ResNetTopology.Conv spec = new ResNetTopology.Conv("c", 16, 32, kernel, stride, padding, dilation);
        long out = spec.outputSize(9);
        try (Bf16Scratch scratch = new Bf16Scratch();
             UnitHarness fast = new UnitHarness(new long[] {2, 16, 9, 9}, 1, (net, in) -> new ConvUnit(spec, in,
                     net.activation("c", 32, out, out, UnitHarness.blocked()), twins.value("c.weight"),
                     twins.gradient("c.weight"), ConvUnit.defaultAlgorithm(), scratch))) {
            compare(twins, fast, input(2, 16, 9, 9), 1, 1e-2);
        }
    }

    @ParameterizedTest(name = "relu {0}, G = {1}, {2}x{2}")
    @CsvSource({"true, 1, 5", "false, 1, 5", "true, 4, 3", "false, 2, 1", "true, 0, 5"})
    void batchNormalisationWithGroupsAndFusedRelu(boolean relu, int groups, int size) {
        Twins twins = Twins.of(bank -> relu ? new Sequential(new BatchNorm2d(bank, "bn", 32), new Relu())
                : new BatchNorm2d(bank, "bn", 32));
        twins.fast().get("bn.running_var").value().assign(Nd4j.rand(DataType.FLOAT, 32).addi(0.5));
        twins.truth().get("bn.running_var").value().assign(twins.value("bn.running_var").castTo(DataType.DOUBLE));
        try (UnitHarness fast = new UnitHarness(new long[] {8, 32, size, size}, groups, (net, in) -> new BatchNormUnit("bn",
                in, net.activation("bn", 32, size, size, UnitHarness.blocked()), relu, twins.value("bn.weight"),
                twins.value("bn.bias"), twins.value("bn.running_mean"), twins.value("bn.running_var"),
                twins.gradient("bn.weight"), twins.gradient("bn.bias")))) {
            compare(twins, fast, input(8, 32, size, size).muli(2).addi(0.5), groups);
        }
    }

    @Test
    void maxPoolOfTheImageNetStem() {
        Twins twins = Twins.of(bank -> new MaxPool2d(3, 2, 1));
        long out = PoolingUnit.outputSize(9, 3, 2, 1);
        try (UnitHarness fast = new UnitHarness(new long[] {2, 16, 9, 9}, 1, (net, in) -> PoolingUnit.max("pool", in,
                net.activation("pool", 16, out, out, UnitHarness.blocked()), 3, 2, 1))) {
            compare(twins, fast, input(2, 16, 9, 9), 1);
        }
    }

    @Test
    void globalAveragePool() {
        Twins twins = Twins.of(bank -> new GlobalAveragePool());
        try (UnitHarness fast = new UnitHarness(new long[] {3, 32, 5, 4}, 1, (net, in) -> PoolingUnit.globalAverage("gap",
                in, net.activation("gap", 32, 1, 1, org.bytedeco.dnnl.global.dnnl.dnnl_nc)))) {
            compare(twins, fast, input(3, 32, 5, 4), 1);
        }
    }

    @ParameterizedTest(name = "relu {0}")
    @CsvSource({"true", "false"})
    void linear(boolean relu) {
        Twins twins = Twins.of(bank -> relu ? new Sequential(new Linear(bank, "fc", 32, 48), new Relu())
                : new Linear(bank, "fc", 32, 48));
        try (UnitHarness fast = new UnitHarness(new long[] {6, 32}, 1, (net, in) -> new InnerProductUnit("fc", in,
                net.activation("fc", 48, 1, 1, org.bytedeco.dnnl.global.dnnl.dnnl_nc), relu, twins.value("fc.weight"),
                twins.value("fc.bias"), twins.gradient("fc.weight"), twins.gradient("fc.bias")))) {
            compare(twins, fast, input(6, 32), 1);
        }
    }

    /** 16x16 to 64x64: large enough that oneDNN's kernel streams its stores, which need the arena's 64-byte alignment. */
    @ParameterizedTest(name = "{0}x{0} to {1}x{1}")
    @CsvSource({"4, 8", "5, 10", "6, 9", "16, 64"})
    void bilinearUpsampling(int in, int out) {
        Twins twins = Twins.of(bank -> BilinearUpsample.toSize(out, out));
        try (UnitHarness fast = new UnitHarness(new long[] {2, 16, in, in}, 1, (net, x) -> new BilinearUpsampleUnit("up", x,
                net.activation("up", 16, out, out, UnitHarness.blocked())))) {
            compare(twins, fast, input(2, 16, in, in), 1);
        }
    }

    /** x ↦ merge(x, x) as a reference layer: the input's gradient is the sum over both uses. */
    private record SelfMerge(dev.moco.encoders.nn.Merge merge) implements Layer {
        @Override
        public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
            dev.moco.encoders.nn.Merge.Pass m = merge.forward(java.util.List.of(input, input));
            return new LayerPass() {
                @Override
                public INDArray output() {
                    return m.output();
                }

                @Override
                public INDArray backward(INDArray outputGradient) {
                    java.util.List<INDArray> g = m.backward(outputGradient);
                    return g.get(0).add(g.get(1));
                }
            };
        }
    }

    @ParameterizedTest(name = "relu {0}")
    @CsvSource({"true", "false"})
    void additionOfATensorWithItselfSumsBothGradients(boolean relu) {
        Twins twins = Twins.of(bank -> relu ? new Sequential(new SelfMerge(new dev.moco.encoders.nn.ElementwiseSum()), new Relu())
                : new SelfMerge(new dev.moco.encoders.nn.ElementwiseSum()));
        try (UnitHarness fast = new UnitHarness(new long[] {2, 16, 5, 5}, 1, (net, x) -> new AddUnit("add", x, x,
                net.activation("add", 16, 5, 5, UnitHarness.blocked()), relu))) {
            compare(twins, fast, input(2, 16, 5, 5), 1);
        }
    }

    @org.junit.jupiter.api.Test
    void channelConcatenation() {
        Twins twins = Twins.of(bank -> new SelfMerge(new dev.moco.encoders.nn.ChannelConcat()));
        try (UnitHarness fast = new UnitHarness(new long[] {2, 16, 5, 4}, 1, (net, x) -> new ConcatUnit("cat",
                java.util.List.of(x, x), net.activation("cat", 32, 5, 4, UnitHarness.blocked())))) {
            compare(twins, fast, input(2, 16, 5, 4), 1);
        }
    }

    /** Eleven channels: the blocked layout pads them to the block, which the bias and its reduction must ignore. */
    @ParameterizedTest(name = "G = {0}")
    @CsvSource({"1", "2"})
    void channelBiasOnPaddedChannels(int groups) {
        Twins twins = Twins.of(bank -> new dev.moco.encoders.nn.ChannelBias(bank, "b", new double[11]));
        try (UnitHarness fast = new UnitHarness(new long[] {4, 11, 5, 3}, groups, (net, x) -> new ChannelBiasUnit("b", x,
                net.activation("b", 11, 5, 3, UnitHarness.blocked()), twins.value("b.bias"), twins.gradient("b.bias")))) {
            compare(twins, fast, input(4, 11, 5, 3), groups);
        }
    }

    /**
     * A network of two inputs, y = x + s with s through a {@link SideInputUnit}: the side input
     * is copied in and its gradient out in the caller's batch order, also group-interleaved.
     */
    @ParameterizedTest(name = "G = {0}")
    @CsvSource({"1", "2"})
    void aSideInputEntersAndItsGradientLeavesInTheCallersOrder(int groups) {
        long[] shape = {4, 16, 3, 5};
        try (FastNetwork net = new FastNetwork(4, 16, 3, 5, UnitHarness.blocked(), 1)) {
            SideInputUnit side = new SideInputUnit("side", net.activation("side", 16, 3, 5, UnitHarness.blocked()));
            Activation s = net.add(side);
            Activation y = net.add(new AddUnit("add", net.input(), s, net.activation("add", 16, 3, 5, UnitHarness.blocked()),
                    false));
            net.setOutput(y);
            net.setPooled(y);
            INDArray x = input(shape);
            INDArray other = Nd4j.randn(DataType.FLOAT, shape);
            MemoryPlan.Activations plan = net.activationPlan(true, false, groups);
            MemoryPlan.Gradients g = net.gradientPlanWithInputGradient(plan, java.util.List.of(y));
            Arena arena = net.arenas().forwardOnly(g.floats());
            side.feed(other);
            net.forward(arena, plan, x, groups);
            assertThat(relativeError(net.read(arena, plan, y, groups), x.add(other))).isLessThan(1e-7);
            INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
            net.backward(arena, plan, g, java.util.List.of(dy), groups);
            assertThat(relativeError(side.takeGradient(), dy)).isLessThan(1e-7);
            assertThat(relativeError(net.readInputGradient(arena, g, groups), dy)).isLessThan(1e-7);
        }
    }
}
