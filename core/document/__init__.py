"""The network document and the files around it.

`graph` (the Qt-free, stdlib-only network document), `graph_io` (its JSON
form: writing, reading with checks, migrations, the clipboard form; also
stdlib-only), `analysis` (shapes, parameter counts, problems with fixes, and
building a model from a graph), `project` (the `.lfproj` file),
`trained_state` (the trained model saved beside it), `recovery` (autosaved
copies offered after a crash), `versioning` (format migrations) and `fileio`
(atomic writes).
"""
