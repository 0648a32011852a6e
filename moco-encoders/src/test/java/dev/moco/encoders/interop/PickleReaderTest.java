package dev.moco.encoders.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The whitelisting pickle reader on opcode streams built by hand, as torch.save writes them (protocol 2). */
class PickleReaderTest {

    /** Storages held in memory: key to little-endian bytes. */
    private static PickleReader.StorageResolver storages(Map<String, byte[]> data) {
        return (key, dtype, elements) -> {
            byte[] b = data.get(key);
            assertThat((long) b.length).isGreaterThanOrEqualTo(elements * dtype.bytes());
            return new TorchStorage(key, dtype, elements, (offset, count) -> ByteBuffer.wrap(b, (int) offset, count).slice());
        };
    }

    private static Object read(byte[] pickle, Map<String, byte[]> data) throws IOException {
        return PickleReader.read(new ByteArrayInputStream(pickle), pickle.length, "test.pth", storages(data));
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void anOrderedDictOfTensorsBecomesAnOrderedMapOfStoredTensors() throws IOException {
        byte[] weight = le(6 * 4).putFloat(1).putFloat(2).putFloat(3).putFloat(4).putFloat(5).putFloat(6).array();
        byte[] counter = le(8).putLong(42).array();
        byte[] pickle = PickleBytes.protocol(2).orderedDict().mark()
                .unicode("fc.weight").tensor("FloatStorage", "0", 6, 0, new long[] {2, 3}, new long[] {3, 1})
                .unicode("bn.num_batches_tracked").tensor("LongStorage", "1", 1, 0, new long[] {}, new long[] {})
                .op(0x75).stop().bytes();

        Object root = read(pickle, Map.of("0", weight, "1", counter));

        assertThat(root).isInstanceOf(Map.class);
        Map<?, ?> dict = (Map<?, ?>) root;
        assertThat(List.copyOf(dict.keySet())).isEqualTo(List.of("fc.weight", "bn.num_batches_tracked"));
        INDArray w = ((StoredTensor) dict.get("fc.weight")).load();
        assertThat(w.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(w.shape()).containsExactly(2, 3);
        assertThat(w.toFloatMatrix()).isEqualTo(new float[][] {{1, 2, 3}, {4, 5, 6}});
        INDArray n = ((StoredTensor) dict.get("bn.num_batches_tracked")).load();
        assertThat(n.dataType()).isEqualTo(DataType.LONG);
        assertThat(n.rank()).isZero();
        assertThat(n.getLong(0)).isEqualTo(42);
    }

    @Test
    void float16AndBfloat16AreReadAsFloat32() throws IOException {
        // 1.5, -2, 65504 (largest half), 2^-24 (smallest subnormal half)
        byte[] half = le(8).putShort((short) 0x3e00).putShort((short) 0xc000).putShort((short) 0x7bff).putShort((short) 0x0001).array();
        // bfloat16 is the top half of a float32
        byte[] bf16 = le(6).putShort((short) (Float.floatToIntBits(1.5f) >>> 16)).putShort((short) (Float.floatToIntBits(-3.25f) >>> 16))
                .putShort((short) (Float.floatToIntBits(1e30f) >>> 16)).array();
        byte[] pickle = PickleBytes.protocol(2).orderedDict().mark()
                .unicode("h").tensor("HalfStorage", "0", 4, 0, new long[] {4}, new long[] {1})
                .unicode("b").tensor("BFloat16Storage", "1", 3, 0, new long[] {3}, new long[] {1})
                .op(0x75).stop().bytes();

        Map<?, ?> dict = (Map<?, ?>) read(pickle, Map.of("0", half, "1", bf16));

        INDArray h = ((StoredTensor) dict.get("h")).load();
        assertThat(h.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(h.toFloatVector()).containsExactly(1.5f, -2f, 65504f, 0x1p-24f);
        INDArray b = ((StoredTensor) dict.get("b")).load();
        assertThat(b.toFloatVector()).containsExactly(1.5f, -3.25f, Float.intBitsToFloat(Float.floatToIntBits(1e30f) & 0xffff0000));
    }

    @Test
    void int64AndUint8AreReadAsInt64() throws IOException {
        byte[] longs = le(16).putLong(-7).putLong(1L << 40).array();
        byte[] bytes = {0, (byte) 200, (byte) 255};
        byte[] pickle = PickleBytes.protocol(2).orderedDict().mark()
                .unicode("queue_ptr").tensor("LongStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                .unicode("mask").tensor("ByteStorage", "1", 3, 0, new long[] {3}, new long[] {1})
                .op(0x75).stop().bytes();

        Map<?, ?> dict = (Map<?, ?>) read(pickle, Map.of("0", longs, "1", bytes));

        assertThat(((StoredTensor) dict.get("queue_ptr")).load().toLongVector()).containsExactly(-7, 1L << 40);
        INDArray mask = ((StoredTensor) dict.get("mask")).load();
        assertThat(mask.dataType()).isEqualTo(DataType.LONG);
        assertThat(mask.toLongVector()).containsExactly(0, 200, 255);
    }

    @Test
    void aStridedViewIsReadInItsOwnOrder() throws IOException {
        // storage [0..5], view of size [3, 2] with stride [1, 3] (the transpose of a [2, 3] tensor), offset 0
        ByteBuffer b = le(24);
        for (int i = 0; i < 6; i++) {
            b.putFloat(i);
        }
        byte[] pickle = PickleBytes.protocol(2).orderedDict().mark()
                .unicode("t").tensor("FloatStorage", "0", 6, 0, new long[] {3, 2}, new long[] {1, 3})
                .op(0x75).stop().bytes();

        INDArray t = ((StoredTensor) ((Map<?, ?>) read(pickle, Map.of("0", b.array()))).get("t")).load();

        assertThat(t.toFloatMatrix()).isEqualTo(new float[][] {{0, 3}, {1, 4}, {2, 5}});
    }

    @Test
    void anOptimizerStateOfNestedDictsListsAndScalarsParsesWithoutAnyOtherGlobal() throws IOException {
        // {'state': {0: {'momentum_buffer': tensor}}, 'param_groups': [{'lr': 0.03, 'nesterov': False, 'params': [0, 1], 'foreach': None}]}
        byte[] buffer = le(8).putFloat(0.5f).putFloat(-0.5f).array();
        byte[] pickle = PickleBytes.protocol(2).op(0x7d).op(0x71).op(0).mark()
                .unicode("state").op(0x7d).mark().binint1(0).op(0x7d).mark()
                .unicode("momentum_buffer").tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                .op(0x75).op(0x75)
                .unicode("param_groups").op(0x5d).mark().op(0x7d).op(0x71).op(1).mark()
                .unicode("lr").binfloat(0.03).unicode("nesterov").op(0x89)
                .unicode("params").op(0x5d).mark().binint1(0).binint1(1).op(0x65)
                .unicode("foreach").op(0x4e)
                .op(0x75).op(0x65)
                .unicode("again").op(0x68).op(1)            // BINGET of the memoised param group
                .op(0x75).stop().bytes();

        Map<?, ?> root = (Map<?, ?>) read(pickle, Map.of("0", buffer));

        Map<?, ?> state = (Map<?, ?>) ((Map<?, ?>) root.get("state")).get(0L);
        assertThat(((StoredTensor) state.get("momentum_buffer")).load().toFloatVector()).containsExactly(0.5f, -0.5f);
        Map<?, ?> group = (Map<?, ?>) ((List<?>) root.get("param_groups")).get(0);
        assertThat(group.get("lr")).isEqualTo(0.03);
        assertThat(group.get("nesterov")).isEqualTo(false);
        assertThat(group.get("params")).isEqualTo(List.of(0L, 1L));
        assertThat(group.containsKey("foreach")).isTrue();
        assertThat(group.get("foreach")).isNull();
        assertThat(root.get("again")).isSameAs(group);
    }

    @Test
    void aStateDictsMetadataAttributeIsAcceptedAndDropped() throws IOException {
        // OrderedDict with BUILD of {'_metadata': OrderedDict([('', {'version': 1})])}, as state_dict() pickles
        byte[] pickle = PickleBytes.protocol(2).orderedDict().mark().unicode("x").binint1(1).op(0x75)
                .op(0x7d).mark().unicode("_metadata").orderedDict().mark().unicode("").op(0x7d).mark()
                .unicode("version").binint1(1).op(0x75).op(0x75).op(0x75).op(0x62)
                .stop().bytes();

        Map<?, ?> root = (Map<?, ?>) read(pickle, Map.of());

        assertThat(List.copyOf(root.keySet())).isEqualTo(List.of("x"));
    }

    @Test
    void aLegacyPersistentIdWithViewMetadataNoneIsAStorage() throws IOException {
        byte[] value = le(4).putFloat(7).array();
        PickleBytes p = PickleBytes.protocol(2).orderedDict().mark().unicode("w")
                .global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().unicode("storage").global("torch", "FloatStorage").unicode("94").unicode("cuda:0").long1(1).op(0x4e).tuple()
                .op(0x51).binint(0).ints(1).ints(1).op(0x89).orderedDict().tuple().reduce().op(0x75).stop();

        Map<?, ?> root = (Map<?, ?>) read(p.bytes(), Map.of("94", value));

        assertThat(((StoredTensor) root.get("w")).load().toFloatVector()).containsExactly(7f);
    }

    @Test
    void aViewReachingPastItsStorageIsRefusedBeforeReading() {
        byte[] pickle = PickleBytes.protocol(2).orderedDict().mark()
                .unicode("w").tensor("FloatStorage", "0", 4, 2, new long[] {2, 2}, new long[] {2, 1})
                .op(0x75).stop().bytes();

        assertThatThrownBy(() -> read(pickle, Map.of("0", new byte[16])))
                .isInstanceOf(WeightsFileException.class)
                .hasMessage("test.pth: tensor of size [2, 2] at offset 2 reaches element 5 of storage '0', which holds 4");
    }

    @Test
    void aStringLongerThanTheRestOfTheStreamIsRefusedBeforeItIsAllocated() {
        byte[] pickle = PickleBytes.protocol(2).op(0x58).raw(le(4).putInt(Integer.MAX_VALUE).array()).bytes();

        assertThatThrownBy(() -> read(pickle, Map.of()))
                .isInstanceOf(WeightsFileException.class)
                .hasMessageContaining("a string of 2147483647 bytes where only 0 are left");
    }
}
