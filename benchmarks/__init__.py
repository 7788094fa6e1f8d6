"""heartnet's benchmarks: one program per question, each run from the project's root as ``python -m benchmarks.<name>``.

Not part of the installed package. A package so that its modules import each other by their full names
(``from benchmarks.comparison import ...``), never by putting this folder on ``sys.path``.
"""
