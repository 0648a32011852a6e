package dev.moco.bench.cli.transfer;

import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A transfer command's defaults: the fine-tuning budget, epochs and initial learning rate,
 * given to picocli as the defaults of {@code --epochs} and {@code --lr}, and its own {@code
 * --out}, so that no two transfer commands write into one directory. The detector's heatmaps
 * learn more slowly than segmentation's per-pixel classes, so detection and instance
 * segmentation train more epochs at half the learning rate; how far each goes is in
 * docs/downstream.md (transfer budgets).
 */
public class TransferBudget implements IDefaultValueProvider {

    private final int epochs;
    private final double learningRate;
    private final String out;

    TransferBudget(int epochs, double learningRate, String out) {
        this.epochs = epochs;
        this.learningRate = learningRate;
        this.out = out;
    }

    @Override
    public String defaultValue(ArgSpec argument) {
        if (!(argument instanceof OptionSpec option)) {
            return null;
        }
        return switch (option.longestName()) {
            case TransferOptions.EPOCHS -> Integer.toString(epochs);
            case TransferOptions.LEARNING_RATE -> Double.toString(learningRate);
            case "--out" -> out;
            default -> null;
        };
    }

    /** {@code transfer segment}'s budget: 8 epochs, lr 0.02, into runs/transfer-segment. */
    public static final class Segmentation extends TransferBudget {
        /** The budget, for picocli. */
        public Segmentation() {
            super(8, 0.02, "runs/transfer-segment");
        }
    }

    /** {@code transfer detect}'s budget: 16 epochs, lr 0.01, into runs/transfer-detect. */
    public static final class Detection extends TransferBudget {
        /** The budget, for picocli. */
        public Detection() {
            super(16, 0.01, "runs/transfer-detect");
        }
    }

    /**
     * {@code transfer instances}'s budget: detection's (its heatmaps and boxes are the
     * detector's), 16 epochs, lr 0.01, into runs/transfer-instances.
     */
    public static final class Instances extends TransferBudget {
        /** The budget, for picocli. */
        public Instances() {
            super(16, 0.01, "runs/transfer-instances");
        }
    }
}
