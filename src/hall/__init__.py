"""hall: the virtual guide of an online approval hall (网上虚拟审批大厅导办).

Data flows one way: ``importers`` -> ``store`` -> ``lexicons``/``models`` -> ``guide`` ->
``api``/``admin``. ``settings`` sits beneath them all; ``cli`` sits on top.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
