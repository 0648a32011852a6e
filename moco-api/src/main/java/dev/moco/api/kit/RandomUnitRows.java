package dev.moco.api.kit;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Random unit vectors, uniform on the sphere (Gaussian rows scaled to norm 1), as a pure
 * function of the seed: the same seed gives the same rows bit for bit, in every call and every
 * JVM. (ND4J's {@code Nd4j.randn(getNewRandomInstance(seed), ...)} does not: it gives other
 * values on each call.) The initial queue and memory bank are drawn this way.
 *
 * <pre>{@code
 * INDArray queue = RandomUnitRows.of(65536, 128, seed, DataType.FLOAT);   // [K, C]
 * }</pre>
 */
public final class RandomUnitRows {

    /** Rows drawn per chunk: bounds the temporary heap use for a large bank. */
    private static final int CHUNK_ROWS = 8192;

    private RandomUnitRows() {}

    /**
     * Draws {@code rows} random unit vectors of dimension {@code columns}.
     *
     * @param rows the number of vectors, e.g. the queue length K or the memory bank's size
     * @param columns the dimension of each vector, the feature dimension C
     * @param seed the seed the rows are a function of
     * @param dataType the element type of the result (the values are drawn in double
     *     precision, then converted)
     * @return a new [rows, columns] array of {@code dataType} whose rows have unit L2 norm
     */
    public static INDArray of(long rows, int columns, long seed, DataType dataType) {
        INDArray result = Nd4j.create(dataType, rows, columns);
        SplittableRandom random = new SplittableRandom(seed);
        for (long start = 0; start < rows; start += CHUNK_ROWS) {
            int n = (int) Math.min(CHUNK_ROWS, rows - start);
            double[] values = new double[n * columns];
            for (int row = 0; row < n; row++) {
                double squares = 0;
                for (int c = row * columns; c < (row + 1) * columns; c++) {
                    values[c] = random.nextGaussian();
                    squares += values[c] * values[c];
                }
                double norm = Math.sqrt(squares);
                for (int c = row * columns; c < (row + 1) * columns; c++) {
                    values[c] /= norm;
                }
            }
            result.get(NDArrayIndex.interval(start, start + n), NDArrayIndex.all())
                    .assign(Nd4j.create(values, new long[] {n, columns}, DataType.DOUBLE));
        }
        return result;
    }
}
