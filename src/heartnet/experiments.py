"""Small, fast training experiments that demonstrate the theory in the notebook.

They train MLP heads on the encoded matrix (the output of ``heartnet.encoder``),
so each experiment isolates one idea (learning rate, batch size, overfitting,
regularization, normalization) and runs in seconds on two cores. Every
function is seeded and returns plain histories (``dict`` of lists) that
``heartnet.plots.history_curves`` draws.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from heartnet.backend import keras, tf
from heartnet.features import FEATURES

layers = keras.layers

__all__ = ["fit_head", "gradient_descent", "head", "output_bias_gradient", "unnormalized"]


def head(inputs: int, units: Sequence[int] = (16,), *, dropout: float = 0.0, seed: int = 0) -> keras.Sequential:
    """An MLP head like heartnet's: Dense+ReLU layers (optional dropout), sigmoid output."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(inputs,))])
    for width in units:
        model.add(layers.Dense(width, activation="relu"))
        if dropout:
            model.add(layers.Dropout(dropout))
    model.add(layers.Dense(1, activation="sigmoid"))
    return model


def gradient_descent(
    matrix: np.ndarray, labels: np.ndarray, *, learning_rate: float, steps: int = 150, seed: int = 0
) -> dict[str, list[float]]:
    """Plain full-batch gradient descent: every step uses all rows and moves against the gradient.

    Returns ``{"loss": [...]}``, the training loss before each step.
    """
    model = head(matrix.shape[1], seed=seed)
    x = tf.constant(matrix, dtype="float32")
    y = tf.constant(np.asarray(labels).reshape(-1, 1), dtype="float32")
    loss_fn = keras.losses.BinaryCrossentropy()

    @tf.function
    def step() -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        for variable, gradient in zip(model.trainable_variables, gradients, strict=True):
            variable.assign_sub(learning_rate * gradient)  # w <- w - eta * dL/dw
        return loss

    losses = [float(step()) for _ in range(steps)]
    return {"loss": [min(loss, 10.0) if np.isfinite(loss) else 10.0 for loss in losses]}


def output_bias_gradient(model: keras.Sequential, matrix: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Backpropagation checked by hand: dLoss/d(output bias) from GradientTape, and mean(p - y).

    For a sigmoid output with binary cross-entropy, the gradient of the mean
    loss with respect to the output neuron's bias is exactly the mean of
    (predicted probability - label); both numbers are returned.
    """
    x = tf.constant(matrix, dtype="float32")
    y = tf.constant(np.asarray(labels).reshape(-1, 1), dtype="float32")
    bias = model.layers[-1].bias
    with tf.GradientTape() as tape:
        probabilities = model(x, training=False)
        loss = keras.losses.BinaryCrossentropy()(y, probabilities)
    gradient = float(tape.gradient(loss, bias)[0])
    return gradient, float(tf.reduce_mean(probabilities - y))


def fit_head(
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    *,
    units: Sequence[int] = (16,),
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    batch_size: int = 32,
    epochs: int = 30,
    learning_rate: float = 1e-3,
    patience: int | None = None,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Train a head with Adam (AdamW when ``weight_decay`` > 0).

    The history has loss/val_loss per epoch plus ``seconds`` (wall time) and
    ``best_epoch`` (when early stopping with ``patience`` is on). Weight decay
    shrinks the weights at each step without adding a term to the loss, so
    the losses of all variants stay comparable.
    """
    model = head(train[0].shape[1], units, dropout=dropout, seed=seed)
    optimizer = (
        keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay)
        if weight_decay
        else keras.optimizers.Adam(learning_rate)
    )
    model.compile(optimizer=optimizer, loss="binary_crossentropy", steps_per_execution=8)
    data = tf.data.Dataset.from_tensor_slices(train).cache().shuffle(len(train[1]), seed=seed).batch(batch_size)
    callbacks = []
    if patience is not None:
        callbacks.append(keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True))
    started = time.perf_counter()
    fitted = model.fit(
        data, validation_data=validation, epochs=epochs, shuffle=False, verbose=0, callbacks=callbacks
    ).history
    history = {key: [float(v) for v in values] for key, values in fitted.items()}
    history["seconds"] = time.perf_counter() - started
    if patience is not None:
        history["best_epoch"] = int(np.argmin(history["val_loss"])) + 1
    return history


def unnormalized(matrix: np.ndarray, columns: Sequence[str], frame) -> np.ndarray:
    """The encoded matrix with its numeric columns put back in their raw units (missing → 0).

    Used to show what normalization buys: same one-hot columns, raw numbers.
    """
    raw = np.array(matrix, dtype="float32", copy=True)
    for feature in FEATURES:
        if feature.kind == "numeric":
            raw[:, list(columns).index(feature.name)] = np.nan_to_num(frame[feature.name].to_numpy(dtype="float32"))
    return raw
