package dev.moco.core.hooks;

/**
 * Called by a training loop after every step, in registration order (progress display,
 * per-step logging, checkpoints every N steps).
 *
 * <pre>{@code
 * AfterStepListener log = step -> System.out.printf("%d %.4f%n", step.globalStep(), step.loss());
 * }</pre>
 */
@FunctionalInterface
public interface AfterStepListener {

    void afterStep(StepReport step);
}
