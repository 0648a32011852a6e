package dev.moco.encoders.interop;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A storage a checkpoint's pickle refers to by key: its element type and count, and where its
 * bytes are. Its size has been checked against the file before it is made, so reading it
 * allocates no more than the file holds.
 *
 * @param key the storage key ({@code data/<key>} in a zip checkpoint)
 * @param dtype its element type, from the storage class the pickle names
 * @param elements its element count
 * @param bytes reads a range of its bytes, little-endian
 */
public record TorchStorage(String key, TorchDType dtype, long elements, Bytes bytes) {

    /** Reads {@code count} bytes of a storage from byte {@code offset} on. */
    @FunctionalInterface
    public interface Bytes {
        ByteBuffer read(long offset, int count) throws IOException;
    }
}
