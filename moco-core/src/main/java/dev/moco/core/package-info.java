/**
 * The MoCo algorithm (He et al. 2020, Algorithm 1): {@link dev.moco.core.MocoTrainer#step}
 * on one screen, with InfoNCE in {@code loss} and SGD in {@code optim}. Everything else of
 * moco-core serves it from beside it: {@code data} and {@code data.augment} make the two views,
 * {@code checkpoint} and {@code config} persist and configure a run, {@code run} is the library's
 * facade ({@link dev.moco.core.run.Pretraining}) and {@code wiring} the Guice bindings for users
 * who replace a part. The helpers a dictionary is built from live in moco-api's plug-in kit.
 */
package dev.moco.core;
