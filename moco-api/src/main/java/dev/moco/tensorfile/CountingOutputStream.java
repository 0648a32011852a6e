package dev.moco.tensorfile;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Counts the bytes written through it, for file formats that record sizes or offsets of what
 * they have written (a tensor's byte count in a manifest, a zip entry's data offset).
 */
public final class CountingOutputStream extends FilterOutputStream {

    private long count;

    /** @param out where the bytes go */
    public CountingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        count += len;
    }

    /** {@return the bytes written through this stream so far} */
    public long count() {
        return count;
    }
}
