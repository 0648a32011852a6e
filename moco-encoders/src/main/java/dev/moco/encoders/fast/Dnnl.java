package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Thin access to oneDNN (Intel's DNN primitive library, 2.5) through the JavaCPP C-API
 * bindings: one CPU engine and one in-order stream for the JVM, memory descriptors,
 * primitive creation and error checking.
 *
 * <p>oneDNN runs in the same process as ND4J's libnd4j (same JavaCPP, one OpenMP runtime), and
 * reads and writes ND4J buffers in place: a memory object is just a descriptor plus the raw
 * address of an {@link INDArray}'s data ({@link #address(INDArray)}).
 *
 * <p>Loading can fail (no native binary for the platform, missing OpenCL preset); then
 * {@link #available()} is false and {@link #unavailableReason()} says why, so callers can fall
 * back to the reference encoders instead of crashing the JVM.
 */
final class Dnnl {

    private static final dnnl_engine ENGINE;
    private static final dnnl_stream STREAM;
    private static final String UNAVAILABLE;

    static {
        dnnl_engine engine = null;
        dnnl_stream stream = null;
        String reason = null;
        try {
            engine = new dnnl_engine();
            check(dnnl_engine_create(engine, dnnl_cpu, 0), "dnnl_engine_create(cpu)");
            stream = new dnnl_stream();
            check(dnnl_stream_create(stream, engine, dnnl_stream_default_flags), "dnnl_stream_create");
        } catch (Throwable t) {
            reason = "oneDNN (org.bytedeco:dnnl 2.5.2-1.5.7) could not be loaded: " + t
                    + " (the dnnl and opencl presets with their linux-x86_64 natives must be on the class path)";
            engine = null;
            stream = null;
        }
        ENGINE = engine;
        STREAM = stream;
        UNAVAILABLE = reason;
    }

    private Dnnl() {}

    /** True if the oneDNN CPU engine could be created in this JVM. */
    static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why {@link #available()} is false; null when it is available. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    static void requireAvailable() {
        if (UNAVAILABLE != null) {
            throw new UnsupportedOperationException(UNAVAILABLE);
        }
    }

    static dnnl_engine engine() {
        return ENGINE;
    }

    static dnnl_stream stream() {
        return STREAM;
    }

    /** Throws with the call's name when a oneDNN C function returned an error status. */
    static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN call " + what + " failed with status " + status
                    + " (" + statusName(status) + ")");
        }
    }

    private static String statusName(int status) {
        if (status == dnnl_out_of_memory) {
            return "out of memory";
        } else if (status == dnnl_invalid_arguments) {
            return "invalid arguments";
        } else if (status == dnnl_unimplemented) {
            return "unimplemented: no implementation for these shapes/formats";
        } else if (status == dnnl_runtime_error) {
            return "runtime error";
        }
        return "status code " + status;
    }

    /** A memory descriptor for an f32 tensor of the given dimensions and format tag. */
    static dnnl_memory_desc_t md(int formatTag, long... dims) {
        return mdOfType(dnnl_f32, formatTag, dims);
    }

    /** A memory descriptor for a tensor of the given data type ({@code dnnl_f32}, {@code dnnl_bf16}), dimensions and format tag. */
    static dnnl_memory_desc_t mdOfType(int dataType, int formatTag, long... dims) {
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        try (LongPointer d = new LongPointer(dims)) {
            check(dnnl_memory_desc_init_by_tag(md, dims.length, d, dataType, formatTag),
                    "dnnl_memory_desc_init_by_tag" + java.util.Arrays.toString(dims));
        }
        return md;
    }

    /** The dimensions of a descriptor. */
    static long[] dims(dnnl_memory_desc_t md) {
        long[] dims = new long[md.ndims()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = md.dims().get(i);
        }
        return dims;
    }

    /** The descriptor a primitive wants for one of its arguments (e.g. dnnl_query_src_md). */
    static dnnl_memory_desc_t query(dnnl_primitive_desc pd, int what) {
        dnnl_memory_desc_t md = dnnl_primitive_desc_query_md(pd, what, 0);
        if (md == null || md.isNull()) {
            return null;
        }
        // copy: the returned descriptor lives inside pd
        dnnl_memory_desc_t copy = new dnnl_memory_desc_t();
        Pointer.memcpy(copy, md, copy.sizeof());
        return copy;
    }

    static boolean equal(dnnl_memory_desc_t a, dnnl_memory_desc_t b) {
        return dnnl_memory_desc_equal(a, b) != 0;
    }

    /** Size in bytes of a tensor described by {@code md} (including any padding of blocks). */
    static long bytes(dnnl_memory_desc_t md) {
        return dnnl_memory_desc_get_size(md);
    }

    /** Size in floats of a tensor described by {@code md}, rounded up. */
    static long floats(dnnl_memory_desc_t md) {
        return (bytes(md) + Float.BYTES - 1) / Float.BYTES;
    }

    /** A memory object with no data yet; set it with {@link #setHandle}. */
    static dnnl_memory memory(dnnl_memory_desc_t md) {
        dnnl_memory m = new dnnl_memory();
        check(dnnl_memory_create(m, md, ENGINE, new RawPointer(0)), "dnnl_memory_create");
        return m;
    }

    static void setHandle(dnnl_memory m, long address) {
        check(dnnl_memory_set_data_handle(m, new RawPointer(address)), "dnnl_memory_set_data_handle");
    }

    /**
     * The address of an f32 array's first element. ND4J's views carry their own data buffer
     * whose address already includes the view's offset.
     */
    static long address(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("fast encoder works in FLOAT, got " + a.dataType());
        }
        if (!isDense(a)) {
            throw new IllegalArgumentException("oneDNN needs a c-ordered contiguous array, got order " + a.ordering()
                    + " shape " + java.util.Arrays.toString(a.shape()) + " stride " + java.util.Arrays.toString(a.stride()));
        }
        return a.data().addressPointer().address();
    }

    /** True if {@code a} is row-major without gaps (strides of size-1 dimensions do not matter). */
    static boolean isDense(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) != 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }

    /** Creates the primitive descriptor for an op descriptor (convolution, BN, ...). */
    static dnnl_primitive_desc primitiveDesc(Pointer opDesc, dnnl_primitive_attr attr,
                                             dnnl_primitive_desc hint, String what) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_primitive_desc_create(pd, new org.bytedeco.dnnl.const_dnnl_op_desc_t(opDesc), attr,
                ENGINE, hint), "dnnl_primitive_desc_create(" + what + ")");
        return pd;
    }

    static dnnl_primitive primitive(dnnl_primitive_desc pd, String what) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "dnnl_primitive_create(" + what + ")");
        return p;
    }

    /** The implementation oneDNN chose for a primitive descriptor, e.g. "jit:avx2". */
    static String implementation(dnnl_primitive_desc pd) {
        org.bytedeco.javacpp.PointerPointer<?> out = new org.bytedeco.javacpp.PointerPointer<>(1);
        int status = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, out);
        if (status != dnnl_success) {
            return "?";
        }
        return new org.bytedeco.javacpp.BytePointer(out.get(0)).getString();
    }

    /** A reorder (layout conversion) from {@code from} to {@code to}: slots 0 = from, 1 = to. */
    static DnnlOp reorder(dnnl_memory_desc_t from, dnnl_memory_desc_t to, String what) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_reorder_primitive_desc_create(pd, from, ENGINE, to, ENGINE, null), "reorder " + what);
        return new DnnlOp(pd, what, new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, new dnnl_memory_desc_t[] {from, to});
    }

    private static volatile Integer activationTag;

    /** {@link #preferredActivationTag()}, computed once; {@code nChw8c} if no blocked layout was chosen. */
    static int activationTag() {
        Integer tag = activationTag;
        if (tag == null) {
            int preferred = preferredActivationTag();
            tag = preferred == dnnl_nchw ? dnnl_nChw8c : preferred;
            activationTag = tag;
        }
        return tag;
    }

    /**
     * The blocked activation layout oneDNN's convolutions prefer on this CPU: it asks for the
     * destination layout of a 16→16 3×3 convolution with {@code format_tag any} and returns
     * {@code dnnl_nChw16c} (AVX-512) or {@code dnnl_nChw8c} (AVX2); {@code dnnl_nchw} otherwise.
     */
    static int preferredActivationTag() {
        dnnl_memory_desc_t any = md(dnnl_format_tag_any, 2, 16, 8, 8);
        dnnl_memory_desc_t anyWeights = md(dnnl_format_tag_any, 16, 16, 3, 3);
        org.bytedeco.dnnl.dnnl_convolution_desc_t desc = new org.bytedeco.dnnl.dnnl_convolution_desc_t();
        try (LongPointer s = new LongPointer(1, 1); LongPointer p = new LongPointer(1, 1)) {
            check(dnnl_convolution_forward_desc_init(desc, dnnl_forward_training, dnnl_convolution_direct,
                    any, anyWeights, null, any, s, p, p), "probe convolution");
        }
        dnnl_primitive_desc pd = primitiveDesc(desc, null, null, "probe convolution");
        dnnl_memory_desc_t dst = query(pd, dnnl_query_dst_md);
        dnnl_primitive_desc_destroy(pd);
        for (int tag : new int[] {dnnl_nChw16c, dnnl_nChw8c}) {
            if (equal(dst, md(tag, 2, 16, 8, 8))) {
                return tag;
            }
        }
        return dnnl_nchw;
    }

    /** A primitive attribute with one eltwise ReLU post-op. */
    static dnnl_primitive_attr reluPostOp() {
        dnnl_post_ops ops = new dnnl_post_ops();
        check(dnnl_post_ops_create(ops), "dnnl_post_ops_create");
        check(dnnl_post_ops_append_eltwise(ops, 1f, dnnl_eltwise_relu, 0f, 0f), "dnnl_post_ops_append_eltwise");
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        check(dnnl_primitive_attr_create(attr), "dnnl_primitive_attr_create");
        check(dnnl_primitive_attr_set_post_ops(attr, ops), "dnnl_primitive_attr_set_post_ops");
        dnnl_post_ops_destroy(ops);   // the attribute holds its own copy
        return attr;
    }

    /**
     * The backward of a ReLU computed from its output y over tensors of {@code data}:
     * slots 0 = y, 1 = d loss / d y, 2 = d loss / d x (= dy·[y &gt; 0]).
     */
    static DnnlOp reluBackward(dnnl_memory_desc_t data, String what) {
        org.bytedeco.dnnl.dnnl_eltwise_desc_t forwardDesc = new org.bytedeco.dnnl.dnnl_eltwise_desc_t();
        check(dnnl_eltwise_forward_desc_init(forwardDesc, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd,
                data, 0f, 0f), "eltwise_forward_desc_init " + what);
        dnnl_primitive_desc hint = primitiveDesc(forwardDesc, null, null, what + " relu (hint)");
        org.bytedeco.dnnl.dnnl_eltwise_desc_t desc = new org.bytedeco.dnnl.dnnl_eltwise_desc_t();
        check(dnnl_eltwise_backward_desc_init(desc, dnnl_eltwise_relu_use_dst_for_bwd, data, data, 0f, 0f),
                "eltwise_backward_desc_init " + what);
        dnnl_primitive_desc pd = primitiveDesc(desc, null, hint, what + " relu backward");
        dnnl_primitive_desc_destroy(hint);
        return new DnnlOp(pd, what + " relu backward", new int[] {DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC},
                new dnnl_memory_desc_t[] {data, data, data});
    }

    /** Destroys a primitive attribute (with its post-ops) once the descriptors built with it exist; null is ignored. */
    static void destroy(dnnl_primitive_attr attr) {
        if (attr != null) {
            dnnl_primitive_attr_destroy(attr);
        }
    }

    /** A direct float view of {@code count} floats at {@code address} (no copy). */
    static java.nio.FloatBuffer floatBuffer(long address, long count) {
        Pointer p = new RawPointer(address);
        p.capacity(count * Float.BYTES).limit(count * Float.BYTES);
        return p.asByteBuffer().order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** A raw address as a JavaCPP pointer (no ownership, no deallocator). */
    static final class RawPointer extends Pointer {
        RawPointer(long address) {
            this.address = address;
        }
    }
}
