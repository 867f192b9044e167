"""Dossier status lookup (tra cứu hồ sơ) from the one-stop system.

    from bot.dossiers import open_source, find_code
    source = open_source()            # SQLite by default, HTTP adapter by configuration
    dossier = source.get(find_code("mã 000.00.15.h30 - 210524 - 0001"))

Modules: model (Dossier, JSON contract, code format), source (interface, configuration),
sqlite_source, http_source, guard (lockout), replies (texts), conversation (the lookup
dialogue), importer and demo (the CLI's data loading).
"""
from bot.dossiers.model import Dossier, DossierError, Step, find_code, from_dict, mask_name, to_dict
from bot.dossiers.source import DossierSource, SourceUnavailable, open_source

__all__ = ["Dossier", "DossierError", "DossierSource", "SourceUnavailable", "Step", "find_code", "from_dict",
           "mask_name", "open_source", "to_dict"]
