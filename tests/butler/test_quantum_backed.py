"""The quantum-backed butler: a worker reads inputs and writes outputs with no registry access."""

from __future__ import annotations

import pickle

import pytest

from butler import Butler, DatasetRef, DatasetType
from butler.errors import DatasetNotFoundError, DatasetTypeError, FileNotFoundInDatastoreError
from butler.quantum_backed import DatastoreSpec, QuantumBackedButler, register_quantum_outputs


@pytest.fixture
def repo(tmp_path):
    Butler.makeRepo(tmp_path / "repo")
    butler = Butler(tmp_path / "repo", writeable=True, run="in")
    registry = butler.registry
    registry.insertDimensionData("instrument", {"name": "Cam", "detector_max": 4})
    registry.insertDimensionData("detector", *[{"instrument": "Cam", "id": d, "full_name": f"D{d}"}
                                               for d in range(4)])
    for name in ("raw_like", "out_like"):
        registry.registerDatasetType(DatasetType(name, ("instrument", "detector"), "StructuredDataDict",
                                                 universe=butler.dimensions))
    inputs = [butler.put({"detector": d, "value": 10 * d}, "raw_like", instrument="Cam", detector=d)
              for d in range(4)]
    registry.registerRun("out")
    yield butler, inputs
    butler.close()


def predicted_output(butler, detector):
    return DatasetRef(butler.get_dataset_type("out_like"), {"instrument": "Cam", "detector": detector}, "out")


def worker_butler(butler, inputs, outputs):
    spec = pickle.loads(pickle.dumps(DatastoreSpec.from_butler(butler)))  # what a pool worker receives
    records = butler.datastore.prepare_get_records(inputs)
    return QuantumBackedButler(spec.make_datastore(), inputs, outputs, records)


def test_worker_reads_inputs_and_writes_outputs_that_the_driver_registers(repo):
    butler, inputs = repo
    outputs = [predicted_output(butler, d) for d in range(4)]
    qbb = worker_butler(butler, inputs, outputs)
    for ref_in, ref_out in zip(inputs, outputs):
        value = qbb.get(ref_in)["value"]
        qbb.put({"doubled": 2 * value}, ref_out)
    assert butler.find_dataset("out_like", instrument="Cam", detector=1, collections="out") is None
    written = qbb.extract_outputs()
    assert {r.id for r in written.refs} == {r.id for r in outputs} and len(written.records) == 4
    registered = register_quantum_outputs(butler, written)
    assert len(registered) == 4
    assert butler.get("out_like", instrument="Cam", detector=3, collections="out") == {"doubled": 60}
    assert butler.find_dataset("out_like", instrument="Cam", detector=3, collections="out").id == outputs[3].id


def test_registration_is_idempotent_after_a_crash_between_write_and_register(repo):
    butler, inputs = repo
    outputs = [predicted_output(butler, 0)]
    qbb = worker_butler(butler, inputs[:1], outputs)
    qbb.put({"x": 1}, outputs[0])
    register_quantum_outputs(butler, qbb.extract_outputs())
    assert register_quantum_outputs(butler, qbb.extract_outputs()) == []
    assert butler.get(outputs[0]) == {"x": 1}


def test_rerun_overwrites_an_unregistered_leftover_file(repo):
    butler, inputs = repo
    outputs = [predicted_output(butler, 0)]
    worker_butler(butler, inputs[:1], outputs).put({"attempt": 1}, outputs[0])  # crashed before registering
    second = worker_butler(butler, inputs[:1], outputs)
    second.put({"attempt": 2}, outputs[0])
    register_quantum_outputs(butler, second.extract_outputs())
    assert butler.get(outputs[0]) == {"attempt": 2}


def test_outside_the_quantum_is_refused(repo):
    butler, inputs = repo
    qbb = worker_butler(butler, inputs[:2], [predicted_output(butler, 0)])
    with pytest.raises(DatasetNotFoundError, match="not an input or output of this quantum"):
        qbb.get(inputs[3])
    with pytest.raises(DatasetNotFoundError, match="not a predicted output"):
        qbb.put({}, predicted_output(butler, 1))
    with pytest.raises(TypeError, match="DatasetRef"):
        qbb.get("raw_like")


def test_writing_an_output_twice_is_refused(repo):
    butler, inputs = repo
    out = predicted_output(butler, 0)
    qbb = worker_butler(butler, inputs[:1], [out])
    qbb.put({"a": 1}, out)
    with pytest.raises(DatasetTypeError, match="already written"):
        qbb.put({"a": 2}, out)


def test_an_input_that_was_never_produced_is_a_clear_error(repo):
    butler, inputs = repo
    missing = predicted_output(butler, 2)  # predicted upstream, never written
    qbb = worker_butler(butler, [missing], [])
    assert not qbb.stored(missing)
    with pytest.raises(FileNotFoundInDatastoreError, match="did not write it"):
        qbb.get(missing)


def test_deferred_reads_and_components_use_the_quantum_records(repo):
    butler, inputs = repo
    qbb = QuantumBackedButler.from_butler(butler, inputs, [])
    handle = qbb.getDeferred(inputs[2])
    assert handle.get() == {"detector": 2, "value": 20}
    assert qbb.stored_many(inputs) == {ref: True for ref in inputs}
    assert qbb.dimensions is butler.dimensions
