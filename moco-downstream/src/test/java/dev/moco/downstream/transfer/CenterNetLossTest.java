package dev.moco.downstream.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.moco.downstream.canvas.CanvasGenerator;
import dev.moco.downstream.canvas.CanvasSet;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.downstream.testing.GarmentShapes;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The focal loss's fast form (one exp and one log1p per logit, powers as products, images on
 * several threads) against the class docs' formula written with {@link Math#pow}, {@link
 * CenterNetLoss#sigmoid} and {@link CenterNetLoss#softplus}, one logit after another.
 */
class CenterNetLossTest {

    @Test
    void heatmapLossAndGradientAreTheDocumentedFormula() {
        CanvasSet set = CanvasGenerator.generate(CanvasSpec.of(32, 6, 0, 4), new GarmentShapes(20, 0, 3),
                new GarmentShapes(20, 0, 3));
        int classes = 3;
        CenterNetTargets targets = CenterNetTargets.of(set.train(), classes, 2);
        int n = set.train().size();
        int channels = classes + CenterNetTargets.REGRESSION_CHANNELS;
        int plane = targets.gridHeight() * targets.gridWidth();
        Nd4j.getRandom().setSeed(5);
        INDArray output = Nd4j.randn(DataType.DOUBLE, n, channels, targets.gridHeight(), targets.gridWidth()).muli(4);
        LossBuffers buffers = new LossBuffers().read(output);
        CenterNetLoss.Parts parts = CenterNetLoss.accumulate(buffers, targets);

        double[] z = output.dup('c').data().asDouble();
        double[] gradient = buffers.gradientArray().data().asDouble();
        double objects = Math.max(1, targets.objects().size());
        double loss = 0;
        for (int image = 0; image < n; image++) {
            for (int c = 0; c < classes; c++) {
                for (int p = 0; p < plane; p++) {
                    int i = (image * channels + c) * plane + p;
                    double y = targets.heatmap()[(image * classes + c) * plane + p];
                    double prob = CenterNetLoss.sigmoid(z[i]);
                    double logP = -CenterNetLoss.softplus(-z[i]);
                    double log1mP = -CenterNetLoss.softplus(z[i]);
                    double alpha = CenterNetLoss.ALPHA;
                    double g;
                    if (y == 1) {
                        loss -= Math.pow(1 - prob, alpha) * logP;
                        g = alpha * prob * Math.pow(1 - prob, alpha) * logP - Math.pow(1 - prob, alpha + 1);
                    } else {
                        double weight = Math.pow(1 - y, CenterNetLoss.BETA);
                        loss -= weight * Math.pow(prob, alpha) * log1mP;
                        g = weight * (Math.pow(prob, alpha + 1) - alpha * Math.pow(prob, alpha) * (1 - prob) * log1mP);
                    }
                    assertThat(gradient[i]).as("heatmap gradient at %d", i)
                            .isCloseTo(g / objects, within(1e-13 * Math.abs(g / objects) + 1e-300));
                }
            }
        }
        assertThat(parts.heatmap()).isCloseTo(loss / objects, within(1e-12 * Math.abs(loss / objects)));
    }
}
