package dev.moco.core.run;

/**
 * Called by a training loop after every step, in registration order (progress display,
 * per-step logging, checkpoints every N steps).
 *
 * <pre>{@code
 * AfterStepListener log = step -> System.out.printf("%d %.4f%n", step.position().globalStep(), step.loss());
 * }</pre>
 */
@FunctionalInterface
public interface AfterStepListener {

    /**
     * @param step the finished step
     */
    void afterStep(StepReport step);
}
