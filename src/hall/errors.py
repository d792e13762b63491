"""The root of hall's exceptions: every package's family hangs under :class:`HallError`.

    HallError
    ├── StoreError         hall.store      (MatterNotFound, StoreUnavailable, BackupInvalid …)
    ├── InterchangeError   hall.importers  (UnknownFormat, InvalidFile, InvalidRecords)
    ├── LexiconError       hall.lexicons   (UnknownBank, LexiconFileError, InvalidEntry)
    ├── ModelError         hall.models     (EncoderUnavailable, IndexNotBuilt, IndexCorrupt)
    └── GuideError         hall.guide      (EngineNotReady, SpeechError …)

It sits beside ``settings`` and imports nothing, so the store (which may import no other hall
package) and everything above it share one root: the CLI and the API map families, not lists,
and an exception of a family added later still gets an answer (httpx's ``HTTPError`` tree).
"""

from __future__ import annotations

__all__ = ["HallError"]


class HallError(Exception):
    """Base of every error hall raises on purpose."""
