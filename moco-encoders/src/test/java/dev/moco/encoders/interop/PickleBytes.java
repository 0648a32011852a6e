package dev.moco.encoders.interop;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds pickle opcode streams by hand, opcode by opcode, for tests (protocol 2 as torch.save writes, plus a few of 4). */
final class PickleBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static PickleBytes protocol(int version) {
        return new PickleBytes().op(0x80).op(version);
    }

    PickleBytes op(int code) {
        out.write(code);
        return this;
    }

    PickleBytes raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    PickleBytes global(String module, String name) {
        return op(0x63).raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** Protocol 4's way to name a global: two strings on the stack. */
    PickleBytes stackGlobal(String module, String name) {
        return shortUnicode(module).shortUnicode(name).op(0x93);
    }

    PickleBytes unicode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op(0x58).raw(le(4).putInt(b.length).array()).raw(b);
    }

    PickleBytes shortUnicode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op(0x8c).op(b.length).raw(b);
    }

    PickleBytes binint(int v) {
        return op(0x4a).raw(le(4).putInt(v).array());
    }

    PickleBytes binint1(int v) {
        return op(0x4b).op(v);
    }

    PickleBytes long1(long v) {
        return op(0x8a).op(8).raw(le(8).putLong(v).array());
    }

    PickleBytes binfloat(double v) {
        return op(0x47).raw(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(v).array());
    }

    PickleBytes mark() {
        return op(0x28);
    }

    PickleBytes tuple() {
        return op(0x74);
    }

    PickleBytes emptyTuple() {
        return op(0x29);
    }

    PickleBytes reduce() {
        return op(0x52);
    }

    PickleBytes ints(long... values) {
        mark();
        for (long v : values) {
            if (v == (int) v) {
                binint((int) v);
            } else {
                long1(v);
            }
        }
        return tuple();
    }

    PickleBytes orderedDict() {
        return global("collections", "OrderedDict").emptyTuple().reduce();
    }

    /** {@code _rebuild_tensor_v2(('storage', torch.<storageClass>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())}. */
    PickleBytes tensor(String storageClass, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().unicode("storage").global("torch", storageClass).unicode(key).unicode("cpu").long1(numel).tuple().op(0x51);
        binint((int) offset).ints(size).ints(stride).op(0x89).orderedDict();
        return tuple().reduce();
    }

    PickleBytes stop() {
        return op(0x2e);
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
