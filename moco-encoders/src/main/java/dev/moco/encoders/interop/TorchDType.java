package dev.moco.encoders.interop;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The element types a state dict holds, under the names PyTorch's pickle (its storage
 * classes) and safetensors' header give them. Floating types load as float32, integer types as
 * int64: the encoders compute in float32 and the integers ({@code num_batches_tracked},
 * {@code queue_ptr}) are counters.
 */
public enum TorchDType {
    FLOAT32("FloatStorage", "F32", Float.BYTES, true),
    FLOAT64("DoubleStorage", "F64", Double.BYTES, true),
    FLOAT16("HalfStorage", "F16", Short.BYTES, true),
    BFLOAT16("BFloat16Storage", "BF16", Short.BYTES, true),
    INT64("LongStorage", "I64", Long.BYTES, false),
    INT32("IntStorage", "I32", Integer.BYTES, false),
    UINT8("ByteStorage", "U8", Byte.BYTES, false),
    BOOL("BoolStorage", "BOOL", Byte.BYTES, false);

    private final String storageClass;
    private final String safetensorsName;
    private final int bytes;
    private final boolean floating;

    TorchDType(String storageClass, String safetensorsName, int bytes, boolean floating) {
        this.storageClass = storageClass;
        this.safetensorsName = safetensorsName;
        this.bytes = bytes;
        this.floating = floating;
    }

    /** The class in module {@code torch} that torch.save names for a storage of this type, e.g. {@code FloatStorage}. */
    public String storageClass() {
        return storageClass;
    }

    /** The {@code dtype} of a safetensors header, e.g. {@code F32}. */
    public String safetensorsName() {
        return safetensorsName;
    }

    public int bytes() {
        return bytes;
    }

    public boolean floating() {
        return floating;
    }

    /** FLOAT for floating types, LONG for the integer ones. */
    public DataType loadedType() {
        return floating ? DataType.FLOAT : DataType.LONG;
    }

    public static Optional<TorchDType> ofStorageClass(String name) {
        return Arrays.stream(values()).filter(t -> t.storageClass.equals(name)).findFirst();
    }

    public static Optional<TorchDType> ofSafetensorsName(String name) {
        return Arrays.stream(values()).filter(t -> t.safetensorsName.equals(name)).findFirst();
    }

    /** The type a tensor of {@code type} is written as: float32 and int64 (what the encoders hold). */
    public static TorchDType written(DataType type) {
        if (type.isFPType()) {
            return FLOAT32;
        }
        if (type.isIntType()) {
            return INT64;
        }
        throw new IllegalArgumentException("cannot write a tensor of type " + type);
    }

    /** Element {@code index} of a little-endian buffer of this type, as a float. */
    float floatAt(ByteBuffer buffer, int index) {
        return switch (this) {
            case FLOAT32 -> buffer.getFloat(index * Float.BYTES);
            case FLOAT64 -> (float) buffer.getDouble(index * Double.BYTES);
            case FLOAT16 -> halfToFloat(buffer.getShort(index * Short.BYTES));
            // bfloat16 is the upper half of a float32
            case BFLOAT16 -> Float.intBitsToFloat((buffer.getShort(index * Short.BYTES) & 0xffff) << 16);
            default -> longAt(buffer, index);
        };
    }

    /** Element {@code index} of a little-endian buffer of this type, as a long. */
    long longAt(ByteBuffer buffer, int index) {
        return switch (this) {
            case INT64 -> buffer.getLong(index * Long.BYTES);
            case INT32 -> buffer.getInt(index * Integer.BYTES);
            case UINT8, BOOL -> buffer.get(index) & 0xff;
            default -> (long) floatAt(buffer, index);
        };
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrived after Java 17). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;   // subnormal (or zero): mantissa × 2^-24
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
    }
}
