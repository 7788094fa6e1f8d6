"""Export a model as a TensorFlow SavedModel for TensorFlow Serving, with a README beside it."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from heartnet.backend import keras, tf
from heartnet.errors import FileSystemError, HeartnetError
from heartnet.features import FEATURES
from heartnet.files import atomic_folder
from heartnet.storage import quiet_variable_conversion
from heartnet.validation import validate_row

__all__ = ["example_patient", "export_saved_model"]

_README = """# heartnet SavedModel

Exported by `heartnet export` from a model trained with heartnet. The serving
signature `serving_default` takes the 11 raw features, each as a batch of
shape (n, 1), and returns the probability of coronary artery disease, shape (n, 1).

The SavedModel does **not** validate its input: check rows with
`heartnet.validate_rows` (or the same rules: spec in the model's metadata
JSON) before sending them. A cholesterol that was not measured is NaN.

## Serve it with TensorFlow Serving

```bash
docker run -p 8501:8501 \\
  --mount type=bind,source="$(pwd)/{name}",target=/models/heartnet/1 \\
  -e MODEL_NAME=heartnet tensorflow/serving
```

(TensorFlow Serving expects numbered version folders: mount this folder as
version `1` of model `heartnet`.)

## REST request

```bash
curl -s -X POST http://localhost:8501/v1/models/heartnet:predict \\
  -H 'Content-Type: application/json' \\
  -d '{example}'
```

The answer is `{{"predictions": [[p]]}}`, p being the probability.

## From Python

```python
import tensorflow as tf
serve = tf.saved_model.load("{name}").signatures["serving_default"]
print(serve(**{{name: tf.constant([[value]]) for name, value in row.items()}}))
```
"""


def example_patient() -> dict:
    """A valid patient from the feature spec alone: each number in the middle of its range, each first category.

    Only the request's shape matters in the README, so no data is read to
    write it.
    """
    middle = {f.name: round((f.min + f.max) / 2 / f.step) * f.step for f in FEATURES if f.kind == "numeric"}
    return {f.name: round(middle[f.name], 6) if f.name in middle else f.values[0] for f in FEATURES}


def export_saved_model(model: keras.Model, directory: str | os.PathLike, *, example: Mapping | None = None) -> Path:
    """Write ``directory`` (new or empty) as a SavedModel plus README.md; return its path.

    ``example`` is one valid patient (a dict of the 11 features), shown in the
    README's REST request (default: ``example_patient()``).

    The export goes to a temporary folder first and is moved into place at
    the end, so a failure leaves no half-written model behind; a folder the
    system refuses (no permission, a full disk) raises
    ``heartnet.errors.FileSystemError``.
    """
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise HeartnetError(f"{directory}: already exists and is not an empty folder")
    clean = validate_row(example_patient() if example is None else example)
    instance = {f.name: [float(clean[f.name]) if f.kind == "numeric" else clean[f.name]] for f in FEATURES}
    request = {"instances": [instance]}
    with atomic_folder(directory) as target:
        try:
            with quiet_variable_conversion():
                model.export(str(target), format="tf_saved_model", verbose=False)
        except tf.errors.ResourceExhaustedError:  # TensorFlow's word for ENOSPC when it writes
            raise FileSystemError(directory, "disk_full") from None
        except tf.errors.PermissionDeniedError:
            raise FileSystemError(directory, "permission_denied") from None
        readme = _README.format(name=directory.name, example=json.dumps(request))
        (target / "README.md").write_text(readme, encoding="utf-8")
    return directory
