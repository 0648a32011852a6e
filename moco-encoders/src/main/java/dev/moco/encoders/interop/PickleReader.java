package dev.moco.encoders.interop;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the pickle of a PyTorch state dict without running anything: a stack machine over the
 * opcodes {@code torch.save} emits (protocol 2; the framing and short-string opcodes of
 * protocol 4 too), building only plain Java values. Every global the pickle names is looked up
 * in {@link #WHITELIST}; any other is refused by name before anything after it is read, and the
 * opcodes that instantiate a class ({@code NEWOBJ}, {@code INST}, {@code OBJ}, extension codes)
 * are refused outright. What the pickle's {@code REDUCE} "calls" is never a function but the
 * reader's own rebuild of an ordered dict or a tensor view.
 *
 * <p>The values: {@code null}, {@link Boolean}, {@link Long}, {@link Double}, {@link String},
 * {@link BigInteger} (beyond 64 bits), {@code byte[]}, {@link List} (Python list), {@link Tuple}, {@link LinkedHashMap} (dict and
 * OrderedDict), {@link StoredTensor} (a tensor or parameter) and {@link TorchStorage}.
 *
 * <p>Lengths in the stream are checked against the bytes left before anything is allocated.
 */
final class PickleReader {

    /** Everything a state dict's pickle may name, {@code module.name}; storage classes are in {@link TorchDType}. */
    static final Set<String> WHITELIST = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state");

    /** A Python tuple (immutable; may be a dict key). */
    record Tuple(List<Object> items) {
        Tuple {
            items = List.copyOf(items.stream().map(i -> i == null ? None.NONE : i).toList());
        }

        Object get(int i) {
            Object item = items.get(i);
            return item == None.NONE ? null : item;
        }

        int size() {
            return items.size();
        }
    }

    /** Python's None inside a tuple (List.copyOf holds no null). */
    private enum None { NONE }

    /** A whitelisted global: what the reader does for it at REDUCE. */
    private enum Callable { ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER }

    /** The storage class a persistent id names. */
    private record StorageType(TorchDType dtype) {
    }

    /** Turns the persistent id {@code ('storage', type, key, location, elements[, view])} into a storage. */
    @FunctionalInterface
    interface StorageResolver {
        TorchStorage storage(String key, TorchDType dtype, long elements);
    }

    private static final int MAX_PROTOCOL = 5;
    /** The legacy format's magic number is 80 bits; no state dict has a larger integer. */
    private static final int MAX_LONG_BYTES = 16;

    private final InputStream in;
    private final String where;
    private final StorageResolver storages;
    private long remaining;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private PickleReader(InputStream in, long length, String where, StorageResolver storages) {
        this.in = in;
        this.remaining = length;
        this.where = where;
        this.storages = storages;
    }

    /**
     * Reads one pickle (up to and including its STOP) from {@code in}.
     *
     * @param in the stream, positioned at the pickle
     * @param length the bytes left in the stream at most (lengths in the pickle are checked against it)
     * @param where the file and entry, for messages
     * @param storages resolves persistent ids; null where a pickle must not have any
     * @return the pickled value
     * @throws WeightsFileException naming the refused global or opcode, or what is malformed
     * @throws IOException if the stream cannot be read
     */
    static Object read(InputStream in, long length, String where, StorageResolver storages) throws IOException {
        return new PickleReader(in, length, where, storages).run();
    }

    private Object run() throws IOException {
        while (true) {
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int protocol = u8();
                    if (protocol > MAX_PROTOCOL) {
                        throw refused("pickle protocol " + protocol + " is newer than any torch.save writes");
                    }
                }
                case 0x95 -> skipFrameLength(); // FRAME: only a read-ahead hint
                case 0x2e -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw malformed("STOP with " + stack.size() + " values on the stack");
                    }
                    return value(stack.remove(0));
                }
                case 0x28 -> marks.add(stack.size()); // MARK
                case 0x30 -> pop(); // POP
                case 0x31 -> popMark(); // POP_MARK
                case 0x32 -> push(peek()); // DUP
                case 0x4e -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 0x4a -> push((long) buffer(4).getInt()); // BININT
                case 0x4b -> push((long) u8()); // BININT1
                case 0x4d -> push((long) (buffer(2).getShort() & 0xffff)); // BININT2
                case 0x8a -> push(long1(u8())); // LONG1
                case 0x47 -> push(buffer(8).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 0x58 -> push(new String(bytes(u32()), StandardCharsets.UTF_8)); // BINUNICODE
                case 0x8c -> push(new String(bytes(u8()), StandardCharsets.UTF_8)); // SHORT_BINUNICODE
                case 0x8d -> push(new String(bytes(u64()), StandardCharsets.UTF_8)); // BINUNICODE8
                case 0x55 -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1)); // SHORT_BINSTRING (Python 2 str)
                case 0x54 -> push(new String(bytes(u32()), StandardCharsets.ISO_8859_1)); // BINSTRING
                case 0x43 -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x42 -> push(bytes(u32())); // BINBYTES
                case 0x29 -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case 0x74 -> push(new Tuple(popMark())); // TUPLE
                case 0x85 -> push(new Tuple(popN(1))); // TUPLE1
                case 0x86 -> push(new Tuple(popN(2))); // TUPLE2
                case 0x87 -> push(new Tuple(popN(3))); // TUPLE3
                case 0x5d -> push(new ArrayList<>()); // EMPTY_LIST
                case 0x6c -> push(new ArrayList<>(popMark())); // LIST
                case 0x61 -> list(peekBelow(1), "APPEND").add(pop()); // APPEND
                case 0x65 -> { // APPENDS
                    List<Object> items = popMark();
                    list(peek(), "APPENDS").addAll(items);
                }
                case 0x7d -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 0x64 -> { // DICT
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    putAll(dict, popMark());
                    push(dict);
                }
                case 0x73 -> { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    dict(peek(), "SETITEM").put(key(key), value);
                }
                case 0x75 -> { // SETITEMS
                    List<Object> items = popMark();
                    putAll(dict(peek(), "SETITEMS"), items);
                }
                case 0x63 -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw malformed("STACK_GLOBAL of non-strings");
                    }
                    push(global(m, n));
                }
                case 0x52 -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                }
                case 0x62 -> build(); // BUILD
                case 0x51 -> push(persistentLoad(pop())); // BINPERSID
                case 0x71 -> memo.put((long) u8(), peek()); // BINPUT
                case 0x72 -> memo.put(u32(), peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 0x68 -> push(memoized(u8())); // BINGET
                case 0x6a -> push(memoized(u32())); // LONG_BINGET
                case 0x81, 0x92 -> throw refused("opcode NEWOBJ instantiates a class; a state dict has none");
                case 0x69, 0x6f -> throw refused("opcode INST/OBJ instantiates a class; a state dict has none");
                case 0x82, 0x83, 0x84 -> throw refused("opcode EXT names a registered extension; a state dict has none");
                default -> throw refused(String.format("opcode 0x%02x is not one torch.save writes for a state dict", op));
            }
        }
    }

    private Object global(String module, String name) {
        String qualified = module + "." + name;
        if (module.equals("torch") && name.endsWith("Storage")) {
            return TorchDType.ofStorageClass(name).map(StorageType::new)
                    .orElseThrow(() -> refused("global '" + qualified + "' is a storage type this reader does not load"));
        }
        if (!WHITELIST.contains(qualified)) {
            throw refused("its pickle names the global '" + qualified + "', which is not in the state-dict whitelist "
                    + "(collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.*Storage)");
        }
        return switch (qualified) {
            case "collections.OrderedDict" -> Callable.ORDERED_DICT;
            case "torch._utils._rebuild_tensor_v2" -> Callable.REBUILD_TENSOR;
            default -> Callable.REBUILD_PARAMETER;
        };
    }

    private Object reduce(Object callable, Object arguments) {
        if (!(callable instanceof Callable c)) {
            throw refused("REDUCE applies " + describe(callable) + ", which is not a whitelisted global");
        }
        if (!(arguments instanceof Tuple args)) {
            throw malformed("REDUCE with arguments " + describe(arguments) + " instead of a tuple");
        }
        return switch (c) {
            case ORDERED_DICT -> {
                if (args.size() != 0) {
                    throw malformed("OrderedDict with " + args.size() + " arguments");
                }
                yield new LinkedHashMap<>();
            }
            case REBUILD_TENSOR -> {
                // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                if (args.size() < 6 || args.size() > 7 || !(args.get(0) instanceof TorchStorage storage)) {
                    throw malformed("_rebuild_tensor_v2 with arguments " + describe(args));
                }
                yield StoredTensor.view(where, storage, integer(args.get(1), "storage offset"),
                        longs(args.get(2), "size"), longs(args.get(3), "stride"));
            }
            case REBUILD_PARAMETER -> {
                // _rebuild_parameter(data, requires_grad, backward_hooks[, state]): the parameter is its data
                if (args.size() < 3 || args.size() > 4 || !(args.get(0) instanceof StoredTensor tensor)) {
                    throw malformed("_rebuild_parameter with arguments " + describe(args));
                }
                yield tensor;
            }
        };
    }

    /** BUILD sets an object's state: only an OrderedDict's attributes (a state dict's {@code _metadata}), which are dropped. */
    private void build() {
        Object state = pop();
        Object target = peek();
        if (!(target instanceof Map<?, ?>) || !(state instanceof Map<?, ?>)) {
            throw refused("BUILD sets the state of " + describe(target) + "; a state dict only sets an OrderedDict's attributes");
        }
    }

    private Object persistentLoad(Object id) {
        if (storages == null) {
            throw malformed("a persistent id where no storage may be");
        }
        // ('storage', storage_type, key, location, numel) in zip files; a sixth element (view metadata, None) in legacy ones
        if (!(id instanceof Tuple pid) || pid.size() < 5 || pid.size() > 6 || !"storage".equals(asString(pid.get(0)))) {
            throw refused("persistent id " + describe(id) + " is not a storage");
        }
        if (!(pid.get(1) instanceof StorageType type) || !(pid.get(2) instanceof String key) || !(pid.get(3) instanceof String)) {
            throw malformed("storage id " + describe(id));
        }
        if (pid.size() == 6 && pid.get(5) != null) {
            throw refused("storage '" + key + "' is a view of another storage (format before PyTorch 0.4), not supported");
        }
        long elements = integer(pid.get(4), "storage size");
        if (elements < 0) {
            throw malformed("storage '" + key + "' of negative size " + elements);
        }
        return storages.storage(key, type.dtype(), elements);
    }

    private static String asString(Object o) {
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }
        return o instanceof String s ? s : null;
    }

    private Object memoized(long index) {
        if (!memo.containsKey(index)) {
            throw malformed("memo entry " + index + " read before it was written");
        }
        return memo.get(index);
    }

    private void putAll(Map<Object, Object> dict, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw malformed("a dict of an odd number of keys and values");
        }
        for (int i = 0; i < items.size(); i += 2) {
            dict.put(key(items.get(i)), items.get(i + 1));
        }
    }

    /** Dict keys are strings, integers or tuples in a state dict and an optimizer's state. */
    private Object key(Object key) {
        if (key == null || key instanceof String || key instanceof Long || key instanceof Boolean || key instanceof Double
                || key instanceof Tuple) {
            return key;
        }
        throw malformed("a dict key of type " + describe(key));
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, String op) {
        if (o instanceof List<?> l && !(o instanceof Tuple)) {
            return (List<Object>) l;
        }
        throw malformed(op + " to " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, String op) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw malformed(op + " to " + describe(o));
    }

    private long integer(Object o, String what) {
        if (o instanceof Long l) {
            return l;
        }
        throw malformed(what + " is " + describe(o) + ", not an integer");
    }

    private long[] longs(Object o, String what) {
        if (!(o instanceof Tuple t)) {
            throw malformed(what + " is " + describe(o) + ", not a tuple");
        }
        long[] values = new long[t.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = integer(t.get(i), what);
        }
        return values;
    }

    private Object value(Object o) {
        if (o instanceof Callable || o instanceof StorageType) {
            throw malformed("the pickle's value is a bare global");
        }
        return o;
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw malformed("pop from an empty stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        return peekBelow(0);
    }

    private Object peekBelow(int depth) {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() - depth <= floor) {
            throw malformed("read from an empty stack");
        }
        return stack.get(stack.size() - 1 - depth);
    }

    private List<Object> popN(int n) {
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(0, pop());
        }
        return items;
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw malformed("no MARK before an opcode that needs one");
        }
        int from = marks.remove(marks.size() - 1);
        List<Object> top = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private int u8() throws IOException {
        if (remaining < 1) {
            throw truncated();
        }
        int b = in.read();
        if (b < 0) {
            throw truncated();
        }
        remaining--;
        return b;
    }

    private long u32() throws IOException {
        return buffer(4).getInt() & 0xffffffffL;
    }

    private long u64() throws IOException {
        long n = buffer(8).getLong();
        if (n < 0) {
            throw malformed("a length of more than 2^63 bytes");
        }
        return n;
    }

    private void skipFrameLength() throws IOException {
        buffer(8);
    }

    /** A Long where it fits 64 bits, else a BigInteger (which no tensor argument accepts). */
    private Object long1(int n) throws IOException {
        if (n > MAX_LONG_BYTES) {
            throw refused("an integer of " + n + " bytes; a checkpoint's integers fit " + MAX_LONG_BYTES * 8 + " bits");
        }
        byte[] b = bytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] bigEndian = new byte[n];
        for (int i = 0; i < n; i++) {
            bigEndian[i] = b[n - 1 - i];
        }
        BigInteger value = new BigInteger(bigEndian);
        return value.bitLength() < Long.SIZE ? (Object) value.longValue() : value;
    }

    private ByteBuffer buffer(int n) throws IOException {
        return ByteBuffer.wrap(bytes(n)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** {@code n} bytes, checked against what is left before anything is allocated. */
    private byte[] bytes(long n) throws IOException {
        if (n > remaining) {
            throw malformed("a string of " + n + " bytes where only " + remaining + " are left");
        }
        byte[] b = in.readNBytes((int) n);
        if (b.length != n) {
            throw truncated();
        }
        remaining -= n;
        return b;
    }

    /** A GLOBAL's module or name: up to a newline, at most 256 bytes (Python identifiers in practice). */
    private String line() throws IOException {
        StringBuilder s = new StringBuilder();
        while (true) {
            int b = u8();
            if (b == '\n') {
                return s.toString();
            }
            if (s.length() >= 256) {
                throw malformed("a GLOBAL name longer than 256 bytes");
            }
            s.append((char) b);
        }
    }

    private static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Callable c) {
            return "global " + c;
        }
        if (o instanceof StorageType t) {
            return "torch." + t.dtype().storageClass();
        }
        if (o instanceof String s) {
            return "'" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'";
        }
        if (o instanceof Tuple t) {
            return "a tuple of " + t.size();
        }
        return "a " + o.getClass().getSimpleName();
    }

    private WeightsFileException refused(String what) {
        return new WeightsFileException(where + ": refused: " + what + "; nothing from it was run");
    }

    private WeightsFileException malformed(String what) {
        return new WeightsFileException(where + ": malformed pickle: " + what);
    }

    private WeightsFileException truncated() {
        return new WeightsFileException(where + ": the pickle ends before its STOP opcode (file truncated?)");
    }
}
