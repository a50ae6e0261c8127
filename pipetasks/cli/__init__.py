"""The ``pipetask`` command: build pipelines and quantum graphs, run them, report on runs."""
