package dev.moco.encoders.fast;

/** Closing native resources that may not have been created (lazily built backward primitives). */
final class Resources {

    private Resources() {}

    /** Closes {@code resource} unless it is null; a failure to close is a bug, rethrown unchecked. */
    static void close(AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing " + resource + " failed", e);
        }
    }
}
