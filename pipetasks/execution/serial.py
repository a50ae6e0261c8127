"""Running quanta one after the other in the driver's own process."""

from __future__ import annotations

__all__ = ["SerialExecutor"]

from .driver import ExecutionDriver
from .single_quantum import WorkerSpec, execute_quantum, failure_result


class SerialExecutor:
    """Runs every quantum in this process, in the graph's order (``pipetask run -j 1``).

    Parameters
    ----------
    spec : `WorkerSpec`
        Settings shared by all quanta; tasks are built once and reused.
    """

    def __init__(self, spec: WorkerSpec):
        self.spec = spec

    def execute(self, driver: ExecutionDriver) -> None:
        """Run until nothing is left to hand out (failures skip their descendants)."""
        while (item := driver.next_ready()) is not None:
            node_id, quantum = item
            try:
                result = execute_quantum(self.spec, node_id, quantum)
            except Exception as err:  # noqa: BLE001 - one broken quantum must not stop the others
                result = failure_result(node_id, quantum, err)
            driver.finish(result)
