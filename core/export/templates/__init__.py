"""The generated scripts' source: real Python files that ruff and the tests see.

- `numpy_predict.py`: standalone NumPy inference (NumPy and the standard
  library only); its model (network, weights, preprocessing, labels) is read
  from the `.npz` file written next to it;
- `numpy_layers.py`: the NumPy script's layer functions, one per layer type;
  a written script holds only those its model uses (see
  `core.export.numpy_network.layer_source`);
- `keras_train.py`: a Keras 3 training script (Keras, pandas, NumPy); its
  model (architecture, settings, preprocessing) is read from the `.json` file
  written next to it;
- `csv_format.py`: how both scripts recognise a CSV's format, inlined into
  each at the line that imports it, so the written scripts stay standalone.

`core.export.python_export` writes these files out; user text (model, layer,
column and class names) only ever travels in the side files, never in the
Python source.
"""
