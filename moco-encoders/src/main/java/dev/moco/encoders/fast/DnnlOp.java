package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * One created oneDNN primitive with its execution arguments prepared once: a memory object
 * per argument, whose data address is set before each {@link #run()} ({@link #bind}). Nothing
 * is allocated per execution.
 *
 * <pre>{@code
 * DnnlOp conv = new DnnlOp(pd, "conv1", new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST},
 *         new dnnl_memory_desc_t[] {srcMd, weightsMd, dstMd});
 * conv.bind(0, srcAddress).bind(1, weightsAddress).bind(2, dstAddress).run();
 * }</pre>
 */
final class DnnlOp implements AutoCloseable {

    /** Primitives created and not yet closed, in this JVM: what a leak of {@link #close()}s would show. */
    private static final java.util.concurrent.atomic.AtomicLong LIVE = new java.util.concurrent.atomic.AtomicLong();

    private final String name;
    private final dnnl_primitive_desc pd;
    private final dnnl_primitive primitive;
    private final dnnl_memory[] memories;
    private final dnnl_exec_arg_t args;
    private final int count;
    private boolean closed;

    DnnlOp(dnnl_primitive_desc pd, String name, int[] argKinds, dnnl_memory_desc_t[] mds) {
        if (argKinds.length != mds.length) {
            throw new IllegalArgumentException(name + ": " + argKinds.length + " argument kinds but " + mds.length + " descriptors");
        }
        this.name = name;
        this.pd = pd;
        this.primitive = Dnnl.primitive(pd, name);
        this.count = argKinds.length;
        this.memories = new dnnl_memory[count];
        this.args = new dnnl_exec_arg_t(count);
        for (int i = 0; i < count; i++) {
            memories[i] = Dnnl.memory(mds[i]);
            args.position(i).arg(argKinds[i]).memory(memories[i]);
        }
        args.position(0);
        LIVE.incrementAndGet();
    }

    /** Primitives created and not yet closed in this JVM. */
    static long live() {
        return LIVE.get();
    }

    /** Sets the data address of argument {@code slot} (index into the constructor's arrays). */
    DnnlOp bind(int slot, long address) {
        Dnnl.setHandle(memories[slot], address);
        return this;
    }

    /** Executes the primitive on the shared stream and waits for it. */
    void run() {
        long t0 = OpProfile.ENABLED ? System.nanoTime() : 0;
        Dnnl.check(dnnl_primitive_execute(primitive, Dnnl.stream(), count, args), "execute " + name);
        Dnnl.check(dnnl_stream_wait(Dnnl.stream()), "stream wait " + name);
        if (OpProfile.ENABLED) {
            OpProfile.record(name, System.nanoTime() - t0);
        }
    }

    dnnl_primitive_desc descriptor() {
        return pd;
    }

    String name() {
        return name;
    }

    /** Destroys the primitive, its descriptor and its memory objects (not the data they point to). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LIVE.decrementAndGet();
        for (dnnl_memory m : memories) {
            dnnl_memory_destroy(m);
        }
        dnnl_primitive_destroy(primitive);
        dnnl_primitive_desc_destroy(pd);
        args.close();
    }

    /** The oneDNN implementation chosen, e.g. {@code jit:avx2}, for diagnostics. */
    String implementation() {
        return Dnnl.implementation(pd);
    }
}
