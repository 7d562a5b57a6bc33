"""Repository profiles as their own versioned artefact in the store: built, saved, read through a cache."""
from prguard.profiles.artefact import (BACKFILL_SOURCE, PREPROCESS_SOURCE, ProfileCache, build_from_store,
                                       save_profiles)

__all__ = ["BACKFILL_SOURCE", "PREPROCESS_SOURCE", "ProfileCache", "build_from_store", "save_profiles"]
