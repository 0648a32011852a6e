package dev.moco.encoders.fast;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The activation arenas of one {@link FastNetwork}: up to {@code maxLivePasses} for training
 * passes awaiting their backward, and one for forward-only passes. When every training arena
 * is held, the oldest pass's is taken back ({@link TrainingPass#recycled()}).
 */
final class ArenaPool implements AutoCloseable {

    private final int maxLivePasses;
    private final List<Arena> training = new ArrayList<>();
    private final Deque<Arena> live = new ArrayDeque<>();
    private final Arena forwardOnly = new Arena();

    ArenaPool(int maxLivePasses) {
        this.maxLivePasses = maxLivePasses;
    }

    /** A training arena of at least {@code floats} for {@code owner}: a free one, a new one, or the oldest held. */
    Arena acquire(TrainingPass owner, long floats) {
        Arena arena = null;
        for (Arena a : training) {
            if (a.owner == null) {
                arena = a;
                break;
            }
        }
        if (arena == null && training.size() < maxLivePasses) {
            arena = new Arena();
            training.add(arena);
        }
        if (arena == null) {
            arena = live.pollFirst();
            arena.owner.recycled();
        }
        arena.ensure(floats);
        arena.owner = owner;
        live.addLast(arena);
        return arena;
    }

    /** Gives a training arena back after its pass's backward. */
    void release(Arena arena) {
        arena.owner = null;
        live.remove(arena);
    }

    /** The forward-only arena, grown to {@code floats}; a forward-only pass is finished before the next starts. */
    Arena forwardOnly(long floats) {
        forwardOnly.ensure(floats);
        return forwardOnly;
    }

    /** Bytes held by all arenas. */
    long bytes() {
        return training.stream().mapToLong(Arena::bytes).sum() + forwardOnly.bytes();
    }

    @Override
    public void close() {
        for (Arena a : training) {
            if (a.owner != null) {
                a.owner.recycled();
            }
            a.close();
        }
        training.clear();
        live.clear();
        forwardOnly.close();
    }
}
