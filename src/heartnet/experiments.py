"""Small, fast training experiments that demonstrate the theory in the notebook.

They train MLP heads on the encoded matrix (the output of ``heartnet.model.encoder``),
so each experiment isolates one idea (activation, learning rate, backpropagation,
batch size, overfitting, dropout, weight decay, normalization, embeddings) and
runs in seconds on two cores. Every
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

__all__ = [
    "constant_loss",
    "dead_units",
    "embedding_versus_one_hot",
    "fit_head",
    "gradient_descent",
    "head",
    "hidden_gradient_check",
    "output_bias_gradient",
    "unnormalized",
]


def head(
    inputs: int,
    units: Sequence[int] = (16,),
    *,
    dropout: float = 0.0,
    activation: str | None = "relu",
    seed: int = 0,
) -> keras.Sequential:
    """An MLP like one member of heartnet's: Dense layers with ``activation`` (optional dropout), sigmoid output.

    ``activation=None`` leaves the hidden layers linear: the whole network is
    then a linear function of its inputs followed by a sigmoid, however deep.
    """
    keras.utils.set_random_seed(seed)
    stack = [keras.Input(shape=(inputs,))]
    for width in units:
        stack.append(layers.Dense(width, activation=activation))
        if dropout:
            stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(1, activation="sigmoid"))
    return keras.Sequential(stack)


def constant_loss(labels: np.ndarray) -> float:
    """The cross-entropy of always predicting the share of positives: what a model that learned nothing scores."""
    rate = float(np.mean(labels))
    return float(-(rate * np.log(rate) + (1 - rate) * np.log(1 - rate)))


def gradient_descent(
    matrix: np.ndarray, labels: np.ndarray, *, learning_rate: float, steps: int = 150, seed: int = 0
) -> tuple[keras.Sequential, dict[str, list[float]]]:
    """Plain full-batch gradient descent: every step uses all rows and moves against the gradient.

    Returns the trained network (to look inside it, e.g. with ``dead_units``)
    and ``{"loss": [...]}``, the training loss before each step.
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
    return model, {"loss": [min(loss, 10.0) if np.isfinite(loss) else 10.0 for loss in losses]}


def dead_units(model: keras.Sequential, matrix: np.ndarray) -> float:
    """Share of the hidden ReLU units that output zero for every row of ``matrix`` ("dead" neurons).

    A dead unit's gradient is zero on every row too, so no gradient step can
    bring it back: once all are dead, the network predicts a constant.
    """
    x = tf.constant(matrix, dtype="float32")
    dead = total = 0
    for layer in model.layers:
        x = layer(x, training=False)
        if isinstance(layer, layers.Dense) and layer.activation is keras.activations.relu:
            silent = np.all(x.numpy() == 0, axis=0)
            dead, total = dead + int(silent.sum()), total + silent.size
    return dead / total if total else 0.0


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


def hidden_gradient_check(
    model: keras.Sequential, matrix: np.ndarray, labels: np.ndarray, *, step: float = 1e-3
) -> tuple[tuple[int, int], float, float]:
    """Backpropagation through a hidden layer, checked by finite differences.

    Takes the first hidden layer's weight with the steepest gradient (so the
    comparison is not lost in rounding) and returns ((row, column), its
    gradient of the mean loss as ``GradientTape`` computes it by
    backpropagation, and the same slope measured by nudging that one weight by
    ±``step``: (L(w + step) - L(w - step)) / (2 step)), in float64.
    """
    x = tf.constant(matrix, dtype="float32")
    y = tf.constant(np.asarray(labels).reshape(-1, 1), dtype="float32")
    kernel = model.layers[0].kernel
    loss_fn = keras.losses.BinaryCrossentropy()

    with tf.GradientTape() as tape:
        value = loss_fn(y, model(x, training=False))
    gradient = tape.gradient(value, kernel).numpy()
    row, column = (int(i) for i in np.unravel_index(np.argmax(np.abs(gradient)), gradient.shape))
    original = kernel.numpy()

    def loss_at(shift: float) -> float:
        nudged = original.copy()
        nudged[row, column] += shift
        kernel.assign(nudged)
        return float(loss_fn(y, model(x, training=False)))

    try:
        slope = (np.float64(loss_at(step)) - np.float64(loss_at(-step))) / (2 * step)
    finally:
        kernel.assign(original)
    return (row, column), float(gradient[row, column]), float(slope)


def embedding_versus_one_hot(
    codes: np.ndarray,
    labels: np.ndarray,
    categories: Sequence[str],
    *,
    dimensions: int = 2,
    hidden: int = 8,
    epochs: int = 60,
) -> dict:
    """One categorical feature alone, two ways into the same hidden layer: one-hot columns, or a learned ``Embedding``.

    ``codes`` are the category positions (0 .. len(categories)-1). Each way
    feeds a ``Dense(hidden, relu)`` layer and a sigmoid output. Returns each
    way's final training loss and trainable parameters, the floor no model of
    this one feature can beat (the loss of predicting each category's own
    rate), and the embedding's vectors (one point per category, with its
    share of positives).
    """
    codes = np.asarray(codes, dtype="int64").reshape(-1, 1)
    y = np.asarray(labels, dtype="float32").reshape(-1, 1)
    n = len(categories)
    keras.utils.set_random_seed(0)

    def hidden_and_output() -> list:  # the same two layers, new for each model
        return [layers.Dense(hidden, activation="relu"), layers.Dense(1, activation="sigmoid")]

    codes_input = keras.Input(shape=(1,), dtype="int64")
    one_hot = keras.Sequential([codes_input, layers.CategoryEncoding(n, "one_hot"), *hidden_and_output()])
    embedding_layer = layers.Embedding(n, dimensions, name="embedding")
    codes_input = keras.Input(shape=(1,), dtype="int64")
    embedded = keras.Sequential([codes_input, embedding_layer, layers.Flatten(), *hidden_and_output()])
    losses, parameters = {}, {}
    for name, model in (("one_hot", one_hot), ("embedding", embedded)):
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
        losses[name] = float(model.fit(codes, y, epochs=epochs, batch_size=64, verbose=0).history["loss"][-1])
        parameters[name] = int(model.count_params())
    rates = [float(y[codes[:, 0] == code].mean()) for code in range(n)]
    counts = np.bincount(codes[:, 0], minlength=n)
    floor = -sum(c * (r * np.log(r) + (1 - r) * np.log(1 - r)) for c, r in zip(counts, rates, strict=True) if 0 < r < 1)
    vectors = embedding_layer.embeddings.numpy()
    return {
        "losses": losses,
        "parameters": parameters,
        "floor": float(floor / len(y)),
        "vectors": vectors,
        "categories": list(categories),
        "rates": rates,
    }


def input_parameters(categories: int, *, hidden: int = 8, dimensions: int = 2) -> dict[str, int]:
    """Weights between a categorical feature and a hidden layer of ``hidden`` units: one-hot or an embedding.

    One-hot: ``categories × hidden`` (plus the layer's biases); an embedding:
    ``categories × dimensions`` for the vectors plus ``dimensions × hidden``.
    """
    return {
        "one_hot": categories * hidden + hidden,
        "embedding": categories * dimensions + dimensions * hidden + hidden,
    }


def fit_head(
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    *,
    units: Sequence[int] = (16,),
    dropout: float = 0.0,
    activation: str | None = "relu",
    weight_decay: float = 0.0,
    batch_size: int = 32,
    epochs: int = 30,
    learning_rate: float = 1e-3,
    patience: int | None = None,
    seed: int = 0,
    optimizer: str = "adam",
) -> dict[str, list[float]]:
    """Train a head with Adam (AdamW when ``weight_decay`` > 0), or plain SGD (``optimizer="sgd"``).

    The history has loss/val_loss per epoch plus ``seconds`` (wall time) and
    ``best_epoch`` (when early stopping with ``patience`` is on). Weight decay
    shrinks the weights at each step without adding a term to the loss, so
    the losses of all variants stay comparable.
    """
    model = head(train[0].shape[1], units, dropout=dropout, activation=activation, seed=seed)
    if optimizer == "sgd":
        method = keras.optimizers.SGD(learning_rate)
    elif weight_decay:
        method = keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay)
    else:
        method = keras.optimizers.Adam(learning_rate)
    model.compile(optimizer=method, loss="binary_crossentropy", steps_per_execution=8)
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
