"""Quantum graph files (``.qg``): a zip archive of JSON documents and binary indices.

Layout (format version 1; see also ``docs/pipelines.md``):

``header.json``
    Format name and version, metadata, the dimension universe (YAML), the
    pipeline (task classes and configs, registered dataset types), the
    tables of dataset types and RUN names that refs point into, the task
    labels with quanta, init-inputs and init-outputs (and their file
    records), the number of quanta and the block size.
``records.json``
    The dimension records attached to the data IDs, by element.
``index/node_ids.bin``
    The 16 bytes of every node ID, in graph order (tasks producer first,
    then data ID order).  Quantum ``i`` is in block ``i // block_size``.
``index/edges.bin``
    Little-endian uint32 pairs ``(upstream, downstream)`` of quantum positions.
``blocks/NNNNNN.json``
    The quanta of one block (task, data ID, inputs, outputs, replaced
    outputs) and the file records of the existing datasets they read.

Each member is deflated separately, so loading selected quanta reads the
header, the records, the index and only the blocks holding them.
"""

from __future__ import annotations

__all__ = ["read_graph", "write_graph"]

import array
import json
import os
import sys
import uuid
import zipfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from butler import DimensionUniverse
from pipetasks.framework import Quantum

from ._gc import collection_paused
from .errors import InvalidQuantumGraphFileError
from .ids import uuid_from_bytes
from .io_codec import (
    BlockEncoder,
    DataIdFactory,
    RefDecoder,
    RefEncoder,
    decode_file_records,
    decode_pipeline,
    encode_file_records,
    encode_pipeline,
    encode_records,
)

if TYPE_CHECKING:
    from .quantum_graph import QuantumGraph

FORMAT_NAME = "skybutler-quantum-graph"
FORMAT_VERSION = 1
BLOCK_SIZE = 1000
_COMPRESSION = {"compress_type": zipfile.ZIP_DEFLATED, "compresslevel": 1}


def _dump(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def _uint32_bytes(values: Iterable[int]) -> bytes:
    packed = array.array("I", values)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def _uint32_values(data: bytes) -> array.array:
    packed = array.array("I")
    packed.frombytes(data)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed


def write_graph(graph: QuantumGraph, path: str | os.PathLike[str]) -> None:
    """Write ``graph`` to ``path`` (a ``.qg`` file), replacing it atomically."""
    path = os.fspath(path)
    if not path.endswith(".qg"):
        raise ValueError(f"Quantum graph files end in .qg; {path!r} does not.")
    node_ids = [node_id for node_id, _ in graph.quanta()]
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with collection_paused(), zipfile.ZipFile(tmp, "w") as archive:
            encoder = RefEncoder()
            data_ids: dict[int, Any] = {}
            for start in range(0, len(node_ids), BLOCK_SIZE):
                name = f"blocks/{start // BLOCK_SIZE:06d}"
                block = _encode_block(graph, node_ids[start:start + BLOCK_SIZE], encoder, data_ids)
                archive.writestr(f"{name}.ids", b"".join(block.pop("ids")), **_COMPRESSION)
                archive.writestr(f"{name}.json", _dump(block), **_COMPRESSION)
            position = {node_id: i for i, node_id in enumerate(node_ids)}
            edges = [x for node_id in node_ids for source in graph.upstream(node_id) if source in position
                     for x in (position[source], position[node_id])]
            archive.writestr("index/node_ids.bin", b"".join(n.bytes for n in node_ids), **_COMPRESSION)
            archive.writestr("index/edges.bin", _uint32_bytes(edges), **_COMPRESSION)
            init_refs = [ref for refs in (*graph.init_inputs.values(), *graph.init_outputs.values())
                         for ref in refs.values()]
            data_ids.update((id(ref.dataId), ref.dataId) for ref in init_refs)
            archive.writestr("records.json", _dump(encode_records(data_ids.values())), **_COMPRESSION)
            records = graph.datastore_records
            header = {
                "format": FORMAT_NAME,
                "version": FORMAT_VERSION,
                "metadata": graph.metadata,
                "universe": graph.universe.to_yaml(),
                "pipeline": encode_pipeline(graph.pipeline_graph),
                "task_labels": graph.task_labels(),
                "init_inputs": {label: encoder.named(refs) for label, refs in graph.init_inputs.items()},
                "init_outputs": {label: encoder.named(refs) for label, refs in graph.init_outputs.items()},
                "init_datastore_records": {ref.id.hex: encode_file_records(records[ref.id])
                                           for ref in init_refs if ref.id in records},
                "dataset_types": encoder.types,
                "runs": encoder.runs,
                "n_quanta": len(node_ids),
                "block_size": BLOCK_SIZE,
            }
            archive.writestr("header.json", _dump(header), **_COMPRESSION)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _encode_block(graph: QuantumGraph, node_ids: list[uuid.UUID], encoder: RefEncoder,
                  data_ids: dict[int, Any]) -> dict[str, Any]:
    block = BlockEncoder(encoder)
    label_index = {label: i for i, label in enumerate(graph.task_labels())}
    records = graph.datastore_records
    quanta = []
    block_records: dict[str, list[list[Any]]] = {}
    for node_id in node_ids:
        quantum = graph.get_quantum(node_id)
        entry = [label_index[quantum.taskLabel], block.data_id(quantum.dataId), block.by_type(quantum.inputs),
                 block.by_type(quantum.outputs)]
        replaced = graph.clobbered_outputs.get(node_id)
        if replaced:
            entry.append([[encoder.type_index(ref.datasetType), block.ref_list([ref])[0]] for ref in replaced])
        quanta.append(entry)
        for refs in quantum.inputs.values():
            for ref in refs:
                found = records.get(ref.id)
                if found:
                    block_records[ref.id.hex] = encode_file_records(found)
    data_ids.update((id(data_id), data_id) for data_id in block.written_data_ids())
    return {"data_ids": block.data_ids, "quanta": quanta, "datastore_records": block_records, "ids": block.ids}


def _read_json(archive: zipfile.ZipFile, name: str, path: str) -> Any:
    try:
        return json.loads(archive.read(name))
    except KeyError:
        raise InvalidQuantumGraphFileError(
            f"{path} has no {name}: it is not a complete quantum graph file.") from None
    except ValueError as err:
        raise InvalidQuantumGraphFileError(f"{name} of {path} is damaged: {err}") from None


def _open(path: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError) as err:
        raise InvalidQuantumGraphFileError(
            f"{path} is not a quantum graph file (not a .qg zip archive): {err}") from None


def read_graph(path: str | os.PathLike[str], nodes: Iterable[uuid.UUID | str] | None = None) -> QuantumGraph:
    """Read a graph written by `write_graph`, or only the quanta ``nodes`` of it."""
    from .quantum_graph import QuantumGraph

    path = os.fspath(path)
    with collection_paused(), _open(path) as archive:
        header = _read_json(archive, "header.json", path)
        if header.get("format") != FORMAT_NAME:
            raise InvalidQuantumGraphFileError(
                f"{path} is not a quantum graph file (format {header.get('format')!r}).")
        if header.get("version") != FORMAT_VERSION:
            raise InvalidQuantumGraphFileError(
                f"{path} is quantum graph format version {header.get('version')}; this software reads version "
                f"{FORMAT_VERSION}.")
        universe = DimensionUniverse.from_yaml(header["universe"])
        pipeline_graph = decode_pipeline(header["pipeline"], universe)
        decoder = RefDecoder(header["dataset_types"], header["runs"],
                             DataIdFactory(universe, _read_json(archive, "records.json", path)))
        id_bytes = archive.read("index/node_ids.bin")
        all_ids = [uuid_from_bytes(id_bytes[i:i + 16]) for i in range(0, len(id_bytes), 16)]
        position = {node_id: i for i, node_id in enumerate(all_ids)}
        wanted = None
        if nodes is not None:
            wanted = set()
            for node in nodes:
                node_id = node if isinstance(node, uuid.UUID) else uuid.UUID(str(node))
                if node_id not in position:
                    raise KeyError(f"Quantum graph {path} has no quantum with node ID {node_id}.")
                wanted.add(node_id)
        block_size = header["block_size"]
        blocks = sorted({position[n] // block_size for n in wanted}) if wanted is not None else \
            range((len(all_ids) + block_size - 1) // block_size)
        labels = header["task_labels"]
        tasks = [pipeline_graph.tasks[label] for label in labels]
        init_inputs = {label: decoder.named(refs) for label, refs in header["init_inputs"].items()}
        quanta: dict[str, dict[uuid.UUID, Quantum]] = {label: {} for label in labels}
        records = {}
        for key, rows in header["init_datastore_records"].items():
            records[uuid.UUID(key)] = decode_file_records(uuid.UUID(key), rows)
        clobbered: dict[uuid.UUID, list[Any]] = {}
        for block_number in blocks:
            name = f"blocks/{block_number:06d}"
            block = _read_json(archive, f"{name}.json", path)
            refs = decoder.block(block["data_ids"], archive.read(f"{name}.ids"))
            read: set[uuid.UUID] = set()
            for offset, entry in enumerate(block["quanta"]):
                node_id = all_ids[block_number * block_size + offset]
                if wanted is not None and node_id not in wanted:
                    refs.skip(entry[2])
                    refs.skip(entry[3])
                    refs.skip([[t, [r]] for t, r in entry[4]] if len(entry) > 4 else [])
                    continue
                task = tasks[entry[0]]
                inputs = refs.by_type(entry[2])
                quanta[task.label][node_id] = Quantum(
                    taskLabel=task.label, taskName=task.task_class_name,
                    dataId=refs.data_id(task.dimensions, entry[1]),
                    inputs=inputs, outputs=refs.by_type(entry[3]), initInputs=init_inputs.get(task.label, {}))
                if len(entry) > 4:
                    clobbered[node_id] = [refs.ref_list(t, [r])[0] for t, r in entry[4]]
                read.update(ref.id.hex for group in inputs.values() for ref in group)
            refs.check_consumed(f"{name}.ids of {path}")
            for key, rows in block["datastore_records"].items():
                if wanted is None or key in read:
                    dataset_id = uuid.UUID(key)
                    records[dataset_id] = decode_file_records(dataset_id, rows)
        edges = _uint32_values(archive.read("index/edges.bin"))
    return QuantumGraph(pipeline_graph, quanta, init_inputs=init_inputs,
                        init_outputs={label: decoder.named(refs) for label, refs in header["init_outputs"].items()},
                        datastore_records=records, metadata=header["metadata"], clobbered_outputs=clobbered,
                        upstream=lambda: _upstream(all_ids, edges), universe=universe)


def _upstream(node_ids: list[uuid.UUID], edges: array.array) -> dict[uuid.UUID, set[uuid.UUID]]:
    upstream: dict[uuid.UUID, set[uuid.UUID]] = {node_id: set() for node_id in node_ids}
    for i in range(0, len(edges), 2):
        upstream[node_ids[edges[i + 1]]].add(node_ids[edges[i]])
    return upstream
