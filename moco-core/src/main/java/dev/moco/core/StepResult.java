package dev.moco.core;

/**
 * What one training step reports.
 *
 * @param loss the InfoNCE loss of the batch
 * @param accuracy the pretext accuracy: fraction of queries whose positive won the (K+1)-way look-up
 * @param learningRate the learning rate the step used
 */
public record StepResult(double loss, double accuracy, double learningRate) {}
