package dev.moco.encoders.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Files crafted to run code or exhaust memory, built byte by byte: each is refused with one
 * line naming the file and the global or problem, and the payloads, which would create a
 * file if anything ran them, leave nothing behind.
 */
class HostileWeightsFilesTest {

    @TempDir
    Path dir;

    private Path marker() {
        return dir.resolve("payload-ran");
    }

    /** {@code GLOBAL module name; ('touch <marker>',); REDUCE}: what pickling an object whose __reduce__ returns (module.name, (cmd,)) gives. */
    private byte[] reducePayload(String module, String name, String argument) {
        return PickleBytes.protocol(2).global(module, name).mark().unicode(argument).tuple().reduce().stop().bytes();
    }

    private String refusal(Path file) {
        try {
            WeightsFile.open(file).close();
        } catch (WeightsFileException e) {
            assertThat(e.getMessage()).as("one line").doesNotContain("\n").startsWith(file.toString());
            return e.getMessage();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError(file + " was not refused");
    }

    @Test
    void aPickleNamingPosixSystemIsRefusedByNameAndNothingRuns() throws IOException {
        Path file = TorchFileFixtures.zip(dir.resolve("posix.pth"),
                reducePayload("posix", "system", "touch " + marker()), Map.of());

        assertThat(refusal(file)).isEqualTo(file + " (archive/data.pkl): refused: its pickle names the global 'posix.system',"
                + " which is not in the state-dict whitelist (collections.OrderedDict, torch._utils._rebuild_tensor_v2,"
                + " torch._utils._rebuild_parameter, torch.*Storage); nothing from it was run");
        assertThat(marker()).doesNotExist();
    }

    @Test
    void osSystemNamedTheProtocol4WayIsRefusedByNameToo() throws IOException {
        // what Python 3.8+ pickle.dumps writes for a __reduce__ returning (os.system, (cmd,)): FRAME, STACK_GLOBAL, MEMOIZE
        byte[] pickle = PickleBytes.protocol(4).op(0x95).raw(new byte[8]).stackGlobal("os", "system").op(0x94)
                .shortUnicode("touch " + marker()).op(0x94).op(0x85).op(0x94).reduce().op(0x94).stop().bytes();
        Path file = TorchFileFixtures.zip(dir.resolve("os.pth"), pickle, Map.of());

        assertThat(refusal(file)).contains("names the global 'os.system'").endsWith("nothing from it was run");
        assertThat(marker()).doesNotExist();
    }

    @Test
    void builtinsEvalIsRefusedInALegacyFile() throws IOException {
        byte[] pickle = reducePayload("builtins", "eval", "__import__('os').system('touch " + marker() + "')");
        Path file = TorchFileFixtures.legacy(dir.resolve("eval.pth.tar"), pickle, Map.of(), Map.of());

        assertThat(refusal(file)).contains("names the global 'builtins.eval'");
        assertThat(marker()).doesNotExist();
    }

    @Test
    void aReducePayloadOfAnUnknownCallableInsideAStateDictIsRefusedBeforeTheTensorsAreRead() throws IOException {
        // a real-looking state dict whose second value is subprocess.Popen(['touch', marker])
        byte[] weight = new byte[16];
        byte[] pickle = PickleBytes.protocol(2).orderedDict().mark()
                .unicode("conv1.weight").tensor("FloatStorage", "0", 4, 0, new long[] {4}, new long[] {1})
                .unicode("fc.weight").global("subprocess", "Popen").mark().op(0x5d).mark().unicode("touch")
                .unicode(marker().toString()).op(0x65).tuple().reduce()
                .op(0x75).stop().bytes();
        Path file = TorchFileFixtures.zip(dir.resolve("popen.pth"), pickle, Map.of("0", weight));

        assertThat(refusal(file)).contains("names the global 'subprocess.Popen'");
        assertThat(marker()).doesNotExist();
    }

    @Test
    void reduceOfAnythingButAWhitelistedGlobalIsRefused() throws IOException {
        byte[] pickle = PickleBytes.protocol(2).unicode("os.system").mark().unicode("id").tuple().reduce().stop().bytes();
        Path file = TorchFileFixtures.zip(dir.resolve("reduce.pth"), pickle, Map.of());

        assertThat(refusal(file)).contains("refused: REDUCE applies 'os.system', which is not a whitelisted global");
    }

    @Test
    void instantiatingAClassIsRefusedEvenForAWhitelistedName() throws IOException {
        byte[] pickle = PickleBytes.protocol(2).global("collections", "OrderedDict").emptyTuple().op(0x81).stop().bytes();
        Path file = TorchFileFixtures.zip(dir.resolve("newobj.pth"), pickle, Map.of());

        assertThat(refusal(file)).contains("refused: opcode NEWOBJ instantiates a class");
    }

    @Test
    void aStorageDeclaredFarLargerThanItsEntryIsRefusedBeforeAnythingIsAllocated() throws IOException {
        long trillion = 1_000_000_000_000L;
        byte[] pickle = PickleBytes.protocol(2).orderedDict().mark()
                .unicode("fc.weight").tensor("FloatStorage", "0", trillion, 0, new long[] {1_000_000, 1_000_000}, new long[] {1_000_000, 1})
                .op(0x75).stop().bytes();
        Path file = TorchFileFixtures.zip(dir.resolve("huge.pth"), pickle, Map.of("0", new byte[16]));

        assertThat(refusal(file)).isEqualTo(file + ": storage '0' declares 1000000000000 float32 elements (4000000000000 bytes)"
                + " but entry archive/data/0 holds 16 bytes of a " + Files.size(file) + "-byte file");
    }

    @Test
    void aLegacyStorageDeclaredFarLargerThanTheFileIsRefused() throws IOException {
        long hundredMillion = 100_000_000L;   // 400 MB declared, 16 bytes present
        byte[] pickle = PickleBytes.protocol(2).orderedDict().mark()
                .unicode("fc.weight").tensor("FloatStorage", "0", hundredMillion, 0, new long[] {hundredMillion}, new long[] {1})
                .op(0x75).stop().bytes();
        Path file = TorchFileFixtures.legacy(dir.resolve("huge.pth.tar"), pickle, Map.of("0", new byte[16]),
                Map.of("0", hundredMillion));

        assertThat(refusal(file)).contains("storage '0' declares 100000000 float32 elements, records 100000000"
                + " and the file has 16 bytes left for it");
    }

    @Test
    void aTensorOfATrillionElementsIsRefusedBeforeItsStorageIsLookedAt() throws IOException {
        long trillion = 1_000_000_000_000L;
        byte[] pickle = PickleBytes.protocol(2).orderedDict().mark()
                .unicode("fc.weight").tensor("FloatStorage", "0", trillion, 0, new long[] {trillion}, new long[] {1})
                .op(0x75).stop().bytes();
        Path file = TorchFileFixtures.legacy(dir.resolve("trillion.pth.tar"), pickle, Map.of("0", new byte[16]), Map.of("0", trillion));

        assertThat(refusal(file)).isEqualTo(file + ": tensor of size [1000000000000] in storage '0' spans more than 2 GiB;"
                + " larger tensors are not supported");
    }

    @Test
    void aTruncatedZipCheckpointIsRefused() throws IOException {
        Path whole = dir.resolve("whole.pth");
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> tensors = new LinkedHashMap<>();
        tensors.put("conv1.weight", Nd4j.rand(64, 3, 7, 7));
        TorchStateDictWriter.write(whole, tensors);
        byte[] bytes = Files.readAllBytes(whole);
        Path file = Files.write(dir.resolve("truncated.pth"), Arrays.copyOf(bytes, bytes.length * 3 / 5));

        assertThat(refusal(file)).startsWith(file + ": not a complete zip archive (truncated or damaged)");
    }

    @Test
    void aTruncatedLegacyCheckpointIsRefused() throws IOException {
        byte[] pickle = PickleBytes.protocol(2).orderedDict().mark()
                .unicode("w").tensor("FloatStorage", "0", 8, 0, new long[] {8}, new long[] {1}).op(0x75).stop().bytes();
        Path whole = TorchFileFixtures.legacy(dir.resolve("whole.pth.tar"), pickle, Map.of("0", new byte[32]), Map.of("0", 8L));
        byte[] bytes = Files.readAllBytes(whole);
        Path file = Files.write(dir.resolve("truncated.pth.tar"), Arrays.copyOf(bytes, bytes.length - 10));

        assertThat(refusal(file)).contains("storage '0' declares 8 float32 elements, records 8 and the file has 22 bytes left for it");
    }

    @Test
    void aSafetensorsHeaderLongerThanTheFileIsRefused() throws IOException {
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Path file = Files.write(dir.resolve("short.safetensors"), b.array());   // the 8 bytes of data are missing

        assertThat(refusal(file)).isEqualTo(file + ": safetensors tensor 'w' (F32 [2], 8 bytes) has data_offsets [0, 8] in 0 bytes of data");
    }

    @Test
    void safetensorsTensorsThatOverlapAreRefused() throws IOException {
        byte[] header = ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 12).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Path file = Files.write(dir.resolve("overlap.safetensors"), b.array());

        assertThat(refusal(file)).isEqualTo(file + ": safetensors tensors overlap at byte 4 of the data");
    }
}
