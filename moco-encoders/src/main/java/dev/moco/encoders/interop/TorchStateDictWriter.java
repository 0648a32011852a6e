package dev.moco.encoders.interop;

import dev.moco.tensorfile.AtomicFile;
import dev.moco.tensorfile.CountingOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes a state dict as PyTorch's zip format, the file {@code torch.save(state_dict, path)}
 * makes and {@code torch.load(path, weights_only=True)} accepts: {@code archive/data.pkl} (an
 * OrderedDict of name to {@code _rebuild_tensor_v2} of a persistent storage, protocol 2, using
 * only the opcodes and globals of PyTorch's weights-only unpickler), one uncompressed
 * {@code archive/data/<i>} per tensor aligned to 64 bytes as PyTorch aligns them,
 * {@code archive/byteorder} and {@code archive/version}.
 */
public final class TorchStateDictWriter {

    private static final String ARCHIVE = "archive/";
    /** PyTorch's serialization format version for zip files written by torch.save. */
    private static final String FORMAT_VERSION = "3\n";
    private static final int ALIGNMENT = 64;
    /** The extra-field id PyTorch pads local headers with ("FB"). */
    private static final int PADDING_HEADER_ID = 0x4246;
    private static final int LOCAL_HEADER_BYTES = 30;
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2020, 1, 1, 0, 0);

    private TorchStateDictWriter() {
    }

    /**
     * Writes {@code tensors} in their order, floating types as float32, integer types as
     * int64, atomically.
     *
     * @throws UncheckedIOException if the file cannot be written
     */
    public static void write(Path file, Map<String, INDArray> tensors) {
        List<byte[]> storages = new ArrayList<>();
        Pickle pickle = new Pickle();
        pickle.op(0x80).op(2);                                      // PROTO 2
        pickle.global("collections", "OrderedDict").op(0x29).op(0x52);  // OrderedDict()
        pickle.op(0x28);                                            // MARK: the items
        for (Map.Entry<String, INDArray> t : tensors.entrySet()) {
            TorchDType type = TorchDType.written(t.getValue().dataType());
            byte[] bytes = TensorBytes.of(t.getValue(), type);
            String key = Integer.toString(storages.size());
            storages.add(bytes);
            long[] shape = t.getValue().shape();
            pickle.string(t.getKey());
            pickle.global("torch._utils", "_rebuild_tensor_v2").op(0x28);
            // persistent id ('storage', torch.<Type>Storage, key, 'cpu', numel)
            pickle.op(0x28).string("storage").global("torch", type.storageClass()).string(key).string("cpu")
                    .integer(bytes.length / type.bytes()).op(0x74).op(0x51);
            pickle.integer(0);                                      // storage offset
            pickle.tuple(shape).tuple(TensorBytes.contiguousStrides(shape));
            pickle.op(0x89);                                        // requires_grad False
            pickle.global("collections", "OrderedDict").op(0x29).op(0x52);  // backward hooks
            pickle.op(0x74).op(0x52);                               // TUPLE, REDUCE
        }
        pickle.op(0x75).op(0x2e);                                   // SETITEMS, STOP
        try {
            AtomicFile.replace(file, channel -> {
                CountingOutputStream counted = new CountingOutputStream(Channels.newOutputStream(channel));
                ZipOutputStream zip = new ZipOutputStream(counted);
                stored(zip, counted, ARCHIVE + "data.pkl", pickle.bytes());
                stored(zip, counted, ARCHIVE + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < storages.size(); i++) {
                    stored(zip, counted, ARCHIVE + "data/" + i, storages.get(i));
                }
                stored(zip, counted, ARCHIVE + "version", FORMAT_VERSION.getBytes(StandardCharsets.US_ASCII));
                zip.finish();   // not close: the channel belongs to AtomicFile, which forces it
                zip.flush();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** An uncompressed entry whose data starts at a multiple of {@value #ALIGNMENT} bytes. */
    private static void stored(ZipOutputStream zip, CountingOutputStream counted, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        entry.setTimeLocal(ENTRY_TIME);
        long dataStart = counted.count() + LOCAL_HEADER_BYTES + name.getBytes(StandardCharsets.UTF_8).length + 4;
        int padding = (int) ((ALIGNMENT - dataStart % ALIGNMENT) % ALIGNMENT);
        entry.setExtra(ByteBuffer.allocate(4 + padding).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) PADDING_HEADER_ID).putShort((short) padding).array());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }

    /** The pickle opcodes this writer needs, protocol 2. */
    private static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int code) {
            out.write(code);
            return this;
        }

        Pickle global(String module, String name) {
            op(0x63);
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op(0x58);                                               // BINUNICODE
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            out.writeBytes(b);
            return this;
        }

        Pickle integer(long v) {
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                op(0x4a);                                           // BININT
                out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            } else {
                op(0x8a).op(8);                                     // LONG1 of 8 bytes
                out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            }
            return this;
        }

        Pickle tuple(long[] values) {
            op(0x28);
            for (long v : values) {
                integer(v);
            }
            return op(0x74);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
