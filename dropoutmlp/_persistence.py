"""The Keras network in Keras' own formats, so the estimators pickle anywhere.

pickle, joblib and ``skops.io`` store the estimator's ``__getstate__``; the
network goes in as its JSON config, its weights and its serialized optimizer
with the optimizer's variables, with no Keras-specific pickling support.
"""

from __future__ import annotations

import json

import keras


def pack_model(model: keras.Model) -> dict:
    """The Keras model in Keras' own formats: JSON config, weights, optimizer."""
    packed = {"config": model.to_json(), "weights": model.get_weights()}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        packed["optimizer"] = json.dumps(keras.optimizers.serialize(optimizer))
        packed["optimizer_variables"] = [v.numpy() for v in optimizer.variables]
        packed["loss"] = model.loss
    return packed


def unpack_model(packed: dict) -> keras.Model:
    model = keras.models.model_from_json(packed["config"])
    model.set_weights(packed["weights"])
    if "optimizer" in packed:
        optimizer = keras.optimizers.deserialize(json.loads(packed["optimizer"]))
        model.compile(optimizer=optimizer, loss=packed["loss"])
        optimizer.build(model.trainable_variables)
        for variable, value in zip(
            optimizer.variables, packed["optimizer_variables"], strict=True
        ):
            variable.assign(value)
    return model

