package dev.moco.encoders.interop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** PyTorch containers around hand-built pickles: the zip format and the legacy stream format. */
final class TorchFileFixtures {

    private TorchFileFixtures() {
    }

    /** A zip-format checkpoint: {@code archive/data.pkl}, {@code archive/data/<key>} (uncompressed), {@code archive/version}. */
    static Path zip(Path file, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        try (OutputStream o = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(o)) {
            stored(zip, "archive/data.pkl", pickle);
            for (Map.Entry<String, byte[]> s : storages.entrySet()) {
                stored(zip, "archive/data/" + s.getKey(), s.getValue());
            }
            stored(zip, "archive/version", "3\n".getBytes());
        }
        return file;
    }

    /**
     * A legacy checkpoint: the magic number, protocol 1001 and system info pickles, {@code pickle},
     * the list of storage keys, then each storage as its int64 element count and bytes.
     */
    static Path legacy(Path file, byte[] pickle, Map<String, byte[]> storages, Map<String, Long> elements) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] magic = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8,
            0x50, 0x19, 0x2e};
        out.writeBytes(magic);
        out.writeBytes(PickleBytes.protocol(2).op(0x4d).raw(new byte[] {(byte) 0xe9, 0x03}).stop().bytes());   // BININT2 1001
        out.writeBytes(PickleBytes.protocol(2).op(0x7d).mark().unicode("protocol_version").binint(1001)
                .unicode("little_endian").op(0x88).op(0x75).stop().bytes());
        out.writeBytes(pickle);
        PickleBytes keys = PickleBytes.protocol(2).op(0x5d).mark();
        storages.keySet().forEach(keys::unicode);
        out.writeBytes(keys.op(0x65).stop().bytes());
        for (Map.Entry<String, byte[]> s : storages.entrySet()) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(elements.get(s.getKey())).array());
            out.writeBytes(s.getValue());
        }
        Files.write(file, out.toByteArray());
        return file;
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
