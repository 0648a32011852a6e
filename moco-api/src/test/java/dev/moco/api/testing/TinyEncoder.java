package dev.moco.api.testing;

import dev.moco.api.Encoder;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A small encoder for tests of the mechanisms, in any data type (double for finite
 * differences): flatten → linear → batch norm (per normalisation group) → ReLU → linear.
 * Its batch norm makes shuffle BN observable; everything is hand-written and exact.
 */
public final class TinyEncoder implements Encoder {
    private static final double EPS = 1e-5;
    private static final double BN_MOMENTUM = 0.1;

    private final int inputSize;
    private final int hidden;
    private final int output;
    private final INDArray parameters;
    private final INDArray gradients;
    private final INDArray buffers;

    public TinyEncoder(int inputSize, int hidden, int output, long seed, DataType type) {
        this(inputSize, hidden, output, Nd4j.zeros(type, parameterCount(inputSize, hidden, output)),
                Nd4j.zeros(type, 2L * hidden));
        Random random = new Random(seed);
        double[] w = new double[(int) parameters.length()];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextGaussian() * 0.3;
        }
        parameters.assign(Nd4j.createFromArray(w).castTo(type));
        gamma().assign(1);
        beta().assign(0);
        runningVar().assign(1);
    }

    private TinyEncoder(int inputSize, int hidden, int output, INDArray parameters, INDArray buffers) {
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.output = output;
        this.parameters = parameters;
        this.gradients = Nd4j.zeros(parameters.dataType(), parameters.length());
        this.buffers = buffers;
    }

    static long parameterCount(int in, int hidden, int out) {
        return (long) in * hidden + hidden + 2L * hidden + (long) hidden * out + out;
    }

    private INDArray slice(INDArray flat, long from, long length, long... shape) {
        return flat.get(NDArrayIndex.interval(from, from + length)).reshape('c', shape);
    }

    private INDArray w1(INDArray f) { return slice(f, 0, (long) inputSize * hidden, inputSize, hidden); }
    private INDArray b1(INDArray f) { return slice(f, (long) inputSize * hidden, hidden, 1, hidden); }
    private INDArray gamma(INDArray f) { return slice(f, (long) inputSize * hidden + hidden, hidden, 1, hidden); }
    private INDArray beta(INDArray f) { return slice(f, (long) inputSize * hidden + 2L * hidden, hidden, 1, hidden); }
    private INDArray w2(INDArray f) { return slice(f, (long) inputSize * hidden + 3L * hidden, (long) hidden * output, hidden, output); }
    private INDArray b2(INDArray f) { return slice(f, (long) inputSize * hidden + 3L * hidden + (long) hidden * output, output, 1, output); }
    private INDArray gamma() { return gamma(parameters); }
    private INDArray beta() { return beta(parameters); }
    public INDArray runningMean() { return slice(buffers, 0, hidden, 1, hidden); }
    public INDArray runningVar() { return slice(buffers, hidden, hidden, 1, hidden); }

    @Override
    public Pass forward(INDArray input, Mode mode, int groups) {
        long n = input.size(0);
        INDArray x = input.reshape('c', n, inputSize).castTo(parameters.dataType());
        INDArray h = x.mmul(w1(parameters)).addiRowVector(b1(parameters));
        INDArray xhat;
        INDArray invStd;
        if (mode != Mode.INFERENCE) {
            Encoder.requireGroupsDivideBatch(groups, n);
            long m = n / groups;
            xhat = h.dup();
            invStd = Nd4j.zeros(h.dataType(), groups, hidden);
            INDArray meanSum = Nd4j.zeros(h.dataType(), 1, hidden);
            INDArray varSum = Nd4j.zeros(h.dataType(), 1, hidden);
            for (int g = 0; g < groups; g++) {
                INDArray rows = xhat.get(NDArrayIndex.interval(g * m, (g + 1) * m), NDArrayIndex.all());
                INDArray mean = rows.mean(true, 0);
                rows.subiRowVector(mean);
                INDArray var = rows.mul(rows).mean(true, 0);
                INDArray is = org.nd4j.linalg.ops.transforms.Transforms.pow(var.add(EPS), -0.5, false);
                rows.muliRowVector(is);
                invStd.getRow(g).assign(is);
                meanSum.addi(mean);
                varSum.addi(var.mul(m / Math.max(1.0, m - 1.0)));
            }
            runningMean().muli(1 - BN_MOMENTUM).addi(meanSum.muli(BN_MOMENTUM / groups));
            runningVar().muli(1 - BN_MOMENTUM).addi(varSum.muli(BN_MOMENTUM / groups));
        } else {
            xhat = h.subRowVector(runningMean()).diviRowVector(
                    org.nd4j.linalg.ops.transforms.Transforms.sqrt(runningVar().add(EPS), false));
            invStd = null;
        }
        INDArray bn = xhat.mulRowVector(gamma()).addiRowVector(beta());
        INDArray relu = org.nd4j.linalg.ops.transforms.Transforms.relu(bn, true);
        INDArray out = relu.mmul(w2(parameters)).addiRowVector(b2(parameters));
        INDArray xhatFinal = xhat;
        INDArray invStdFinal = invStd;
        return new Pass() {
            private boolean done;

            @Override
            public INDArray output() {
                return out;
            }

            @Override
            public void backward(INDArray dOut) {
                if (mode != Mode.TRAINING || done) {
                    throw new IllegalStateException("backward needs a training pass, once");
                }
                done = true;
                INDArray d = dOut.castTo(out.dataType());
                w2(gradients).addi(relu.transpose().mmul(d));
                b2(gradients).addi(d.sum(true, 0));
                INDArray dRelu = d.mmul(w2(parameters).transpose());
                INDArray dBn = dRelu.muli(relu.gt(0).castTo(d.dataType()));
                gamma(gradients).addi(dBn.mul(xhatFinal).sum(true, 0));
                beta(gradients).addi(dBn.sum(true, 0));
                INDArray dXhat = dBn.mulRowVector(gamma());
                long m = n / groups;
                INDArray dh = Nd4j.zeros(d.dataType(), n, hidden);
                for (int g = 0; g < groups; g++) {
                    var range = NDArrayIndex.interval(g * m, (g + 1) * m);
                    INDArray dx = dXhat.get(range, NDArrayIndex.all());
                    INDArray xh = xhatFinal.get(range, NDArrayIndex.all());
                    INDArray sum = dx.sum(true, 0);
                    INDArray dot = dx.mul(xh).sum(true, 0);
                    INDArray r = dx.mul(m).subiRowVector(sum).subi(xh.mulRowVector(dot))
                            .muliRowVector(invStdFinal.getRow(g).reshape(1, hidden)).divi(m);
                    dh.get(range, NDArrayIndex.all()).assign(r);
                }
                w1(gradients).addi(x.transpose().mmul(dh));
                b1(gradients).addi(dh.sum(true, 0));
            }
        };
    }

    @Override
    public INDArray represent(INDArray input) {
        long n = input.size(0);
        INDArray x = input.reshape('c', n, inputSize).castTo(parameters.dataType());
        return x.mmul(w1(parameters)).addiRowVector(b1(parameters));
    }

    @Override
    public int outputDimension() {
        return output;
    }

    @Override
    public int representationDimension() {
        return hidden;
    }

    @Override
    public INDArray parameters() {
        return parameters;
    }

    @Override
    public INDArray gradients() {
        return gradients;
    }

    @Override
    public void zeroGradients() {
        gradients.assign(0);
    }

    @Override
    public INDArray buffers() {
        return buffers;
    }

    @Override
    public TinyEncoder copy() {
        return new TinyEncoder(inputSize, hidden, output, parameters.dup(), buffers.dup());
    }
}
