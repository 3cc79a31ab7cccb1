"""Pure check of a resident's ID-card photo: can a clerk read the card in it?

`check_id_photo(data)` never raises: every problem becomes a report with reason codes, main reason
first. `clean_copy(data)` is the photo re-encoded without its metadata, for storage.

- `report`: the reasons, the thresholds (`IdPhotoLimits`) and the report.
- `decode`: opening untrusted bytes within the limits; the reduced gray image the check works on.
- `card`: finding the card, whole or cut off by the frame (`cut_off`); its rectangle (`rect`) and the
  mask operations it uses (`masks`).
- `quality`: the measurements inside the card and the verdict.
- `phash`: the perceptual hash.
- `clean`: the copy that is stored.
"""

from __future__ import annotations

from domain.id_photo.clean import clean_copy
from domain.id_photo.decode import sniff_other_format
from domain.id_photo.phash import phash_distance, phash_of
from domain.id_photo.quality import check_id_photo
from domain.id_photo.report import ID1_ASPECT, IdPhotoLimits, IdPhotoReport, Reason

__all__ = [
    "ID1_ASPECT",
    "IdPhotoLimits",
    "IdPhotoReport",
    "Reason",
    "check_id_photo",
    "clean_copy",
    "phash_distance",
    "phash_of",
    "sniff_other_format",
]
