package dev.moco.encoders.interop;

import dev.moco.tensorfile.AtomicFile;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The safetensors format (Hugging Face): an unsigned 64-bit little-endian header length N, N
 * bytes of JSON ({@code {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
 * "__metadata__": {"<key>": "<value>"}}}, padded with spaces), then the tensors' bytes, C order,
 * little-endian, at the offsets given relative to the end of the header. No code, only data:
 * reading checks the header's length, every tensor's byte range against its dtype and shape
 * and against the file, and that the ranges do not overlap.
 */
public final class Safetensors {

    /** The safetensors reference implementation's limit on the header. */
    static final long MAX_HEADER_BYTES = 100L << 20;
    private static final String METADATA = "__metadata__";

    private Safetensors() {
    }

    /** An open safetensors file: its tensors, read on demand until it is closed. */
    public record Contents(Map<String, StoredTensor> tensors, Map<String, String> metadata, Closeable resource) {
    }

    /** Whether a file's first bytes look like a safetensors header (a sane length, then '{'). */
    static boolean looksLike(byte[] head, long fileSize) {
        if (head.length < 9) {
            return false;
        }
        long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n >= 2 && n <= MAX_HEADER_BYTES && 8 + n <= fileSize && head[8] == '{';
    }

    /**
     * Opens {@code file} and checks its header.
     *
     * @throws WeightsFileException naming the file, the tensor and the problem
     */
    public static Contents open(Path file) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            try {
                Contents c = read(file, channel);
                channel = null;
                return c;
            } finally {
                if (channel != null) {
                    channel.close();
                }
            }
        } catch (IOException e) {
            throw new WeightsFileException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static Contents read(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw new WeightsFileException(file + ": " + fileSize + " bytes, too short for a safetensors header");
        }
        long headerBytes = readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES || 8 + headerBytes > fileSize) {
            throw new WeightsFileException(file + ": safetensors header of " + headerBytes + " bytes in a " + fileSize
                    + "-byte file (at most " + MAX_HEADER_BYTES + ")");
        }
        String json = StandardCharsets.UTF_8.decode(readFully(channel, 8, (int) headerBytes)).toString();
        Object parsed;
        try {
            parsed = new Json(json).document();
        } catch (IllegalArgumentException e) {
            throw new WeightsFileException(file + ": safetensors header is not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> header)) {
            throw new WeightsFileException(file + ": safetensors header is not a JSON object");
        }
        long dataStart = 8 + headerBytes;
        long dataBytes = fileSize - dataStart;
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (Map.Entry<?, ?> e : header.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA)) {
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw new WeightsFileException(file + ": safetensors " + METADATA + " is not an object");
                }
                m.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
                continue;
            }
            if (!(e.getValue() instanceof Map<?, ?> info) || !(info.get("dtype") instanceof String dtypeName)
                    || !(info.get("shape") instanceof List<?> shapeList) || !(info.get("data_offsets") instanceof List<?> offsets)
                    || offsets.size() != 2) {
                throw new WeightsFileException(file + ": safetensors tensor '" + name + "' lacks dtype, shape or data_offsets [begin, end]");
            }
            TorchDType dtype = TorchDType.ofSafetensorsName(dtypeName).orElseThrow(() -> new WeightsFileException(
                    file + ": safetensors tensor '" + name + "' has dtype " + dtypeName + ", which is not read (F32, F64, F16, BF16, I64, I32, U8, BOOL)"));
            long[] shape = new long[shapeList.size()];
            long elements = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = number(file, name, shapeList.get(d));
                elements = multiply(file, name, elements, shape[d]);
            }
            long begin = number(file, name, offsets.get(0));
            long end = number(file, name, offsets.get(1));
            long expected = multiply(file, name, elements, dtype.bytes());
            if (end < begin || end > dataBytes || end - begin != expected) {
                throw new WeightsFileException(file + ": safetensors tensor '" + name + "' (" + dtypeName + " " + java.util.Arrays.toString(shape)
                        + ", " + expected + " bytes) has data_offsets [" + begin + ", " + end + "] in " + dataBytes + " bytes of data");
            }
            ranges.add(new long[] {begin, end});
            long at = dataStart + begin;
            TorchStorage storage = new TorchStorage(name, dtype, elements, (offset, count) -> readFully(channel, at + offset, count));
            tensors.put(name, StoredTensor.view(file.toString(), storage, 0, shape, TensorBytes.contiguousStrides(shape)));
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < ranges.size(); i++) {
            if (ranges.get(i)[0] < ranges.get(i - 1)[1]) {
                throw new WeightsFileException(file + ": safetensors tensors overlap at byte " + ranges.get(i)[0] + " of the data");
            }
        }
        return new Contents(tensors, metadata, channel);
    }

    /**
     * Writes {@code tensors} (float types as F32, integer types as I64) in the given order, atomically.
     *
     * @param metadata the header's {@code __metadata__} (string to string)
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) {
        StringBuilder header = new StringBuilder("{");
        header.append(Json.quote(METADATA)).append(":{");
        String separator = "";
        for (Map.Entry<String, String> m : metadata.entrySet()) {
            header.append(separator).append(Json.quote(m.getKey())).append(':').append(Json.quote(m.getValue()));
            separator = ",";
        }
        header.append('}');
        List<byte[]> data = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, INDArray> t : tensors.entrySet()) {
            TorchDType type = TorchDType.written(t.getValue().dataType());
            byte[] bytes = TensorBytes.of(t.getValue(), type);
            data.add(bytes);
            StringBuilder shape = new StringBuilder();
            for (long d : t.getValue().shape()) {
                shape.append(shape.length() == 0 ? "" : ",").append(d);
            }
            header.append(',').append(Json.quote(t.getKey())).append(":{\"dtype\":\"").append(type.safetensorsName())
                    .append("\",\"shape\":[").append(shape).append("],\"data_offsets\":[").append(offset).append(',')
                    .append(offset + bytes.length).append("]}");
            offset += bytes.length;
        }
        header.append('}');
        // pad so that the data starts 8-byte aligned, as the reference writer does
        while ((header.toString().getBytes(StandardCharsets.UTF_8).length) % 8 != 0) {
            header.append(' ');
        }
        byte[] headerBytes = header.toString().getBytes(StandardCharsets.UTF_8);
        try {
            AtomicFile.replace(file, channel -> {
                channel.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerBytes.length));
                channel.write(ByteBuffer.wrap(headerBytes));
                for (byte[] bytes : data) {
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    while (b.hasRemaining()) {
                        channel.write(b);
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static long number(Path file, String name, Object o) {
        if (o instanceof Long l && l >= 0) {
            return l;
        }
        throw new WeightsFileException(file + ": safetensors tensor '" + name + "' has " + o + " where a size or offset belongs");
    }

    private static long multiply(Path file, String name, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new WeightsFileException(file + ": safetensors tensor '" + name + "' is larger than 2^63 bytes");
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long at, int count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(count);
        while (b.hasRemaining()) {
            if (channel.read(b, at + b.position()) < 0) {
                throw new IOException("the file ends at byte " + (at + b.position()));
            }
        }
        return b.flip();
    }
}
