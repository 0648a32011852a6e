package dev.moco.encoders;

import java.util.Locale;

/**
 * The arithmetic of the fast path's convolutions ({@code encoder.precision}).
 *
 * <ul>
 *   <li>{@link #FP32}: everything in f32.</li>
 *   <li>{@link #BF16}: the convolutions read bf16 copies of their input, weights and output
 *       gradient and write f32 outputs, input gradients and weight gradients (AMX or
 *       AVX512-BF16 kernels where the CPU has them). Master weights, BN and its statistics,
 *       the head, the loss and the optimizer stay f32.</li>
 * </ul>
 */
public enum Precision {
    FP32,
    BF16;

    /** {@return the name used in configuration: fp32 or bf16} */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param id fp32 or bf16
     * @return the precision it names
     * @throws IllegalArgumentException naming the two choices
     */
    public static Precision fromId(String id) {
        return switch (id.trim().toLowerCase(Locale.ROOT)) {
            case "fp32" -> FP32;
            case "bf16" -> BF16;
            default -> throw new IllegalArgumentException("encoder.precision = " + id + " is not one of fp32, bf16");
        };
    }
}
