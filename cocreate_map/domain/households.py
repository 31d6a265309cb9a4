"""The household register and household access codes (pure).

An access code lets one household take part online (join, vote). It is read aloud by building
chiefs and typed by elderly residents, so it avoids look-alike characters: no ``0``/``O``,
``1``/``I``/``l`` (and no ``L``). Ten characters of a 31-character alphabet carry
10·log2(31) ≈ 49.5 bits (≥ 40 required); they are printed in groups of 3-3-4 (``K7M-9QX-4TPW``).
Only a keyed hash is stored (:func:`keyed_code_hash`); the plain code exists once, on the slip.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from cocreate_map.errors import CocreateError, InvalidInput, at_line, first_errors

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
GROUPS = (3, 3, 4)
CODE_BITS = CODE_LENGTH * math.log2(len(ALPHABET))
_LOOK_ALIKES = set("0O1IlL")


def generate_code(rng: random.Random | None = None) -> str:
    """A new code, grouped for reading aloud. ``rng`` only for seeded demo codes."""
    if rng is None:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    else:
        raw = "".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return group_code(raw)


def group_code(raw: str) -> str:
    parts, i = [], 0
    for n in GROUPS:
        parts.append(raw[i : i + n])
        i += n
    return "-".join(parts)


def normalise_code(typed: str) -> str:
    """What a person typed → the 10 code characters: case, spaces and dashes do not matter.

    >>> normalise_code(" k7m 9qx-4tpw ")
    'K7M9QX4TPW'
    """
    cleaned = "".join(ch for ch in typed if not ch.isspace() and ch not in "-_–—·.")
    bad = sorted({ch for ch in cleaned if ch in _LOOK_ALIKES})
    if bad:
        raise InvalidInput(
            key="households.household_codes_never_contain", items=", ".join(repr(b) for b in bad)
        )
    upper = cleaned.upper()
    others = sorted({ch for ch in upper if ch not in ALPHABET})
    if others:
        raise InvalidInput(
            key="households.household_code_only_letters", items=", ".join(map(repr, others))
        )
    if len(upper) != CODE_LENGTH:
        raise InvalidInput(
            key="households.household_code_characters_like",
            code_length=CODE_LENGTH,
            n_upper=len(upper),
        )
    return upper


def hash_code(community_id: int, code: str) -> str:
    """The stored form of a code: sha256 over the community and the normalised code."""
    norm = normalise_code(code)
    return hashlib.sha256(f"cocreate-household:{community_id}:{norm}".encode()).hexdigest()


def keyed_code_hash(secret: bytes, community_id: int, code: str) -> str:
    """What is stored: an HMAC (keyed by the server secret) of :func:`hash_code`. Without the
    secret a copy of the database cannot be used to test codes offline. Keying the old unkeyed
    hash (instead of the code) lets a migration re-key stored hashes without the codes."""
    return keyed_stored_hash(secret, hash_code(community_id, code))


def keyed_stored_hash(secret: bytes, unkeyed: str) -> str:
    return hmac.new(secret, f"code:{unkeyed}".encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------------------------
# Register rows
# --------------------------------------------------------------------------------------------

#: accepted header → canonical column (English and the usual Chinese headers)
HEADERS: dict[str, str] = {
    "building": "building",
    "楼栋": "building",
    "楼号": "building",
    "unit": "unit",
    "单元": "unit",
    "room": "room",
    "房号": "room",
    "户号": "room",
    "area_m2": "area_m2",
    "area": "area_m2",
    "面积": "area_m2",
    "owner_id": "owner_id",
    "owner": "owner_id",
    "业主": "owner_id",
    "residents": "residents",
    "人数": "residents",
}
REQUIRED = ("building", "unit", "room", "area_m2")


def canonical_header(name: str) -> str | None:
    key = name.strip().lower().replace(" ", "_")
    for suffix in ("(m2)", "(m²)", "（m²）", "（m2）", "(㎡)", "（㎡）"):
        key = key.removesuffix(suffix)
    return HEADERS.get(key) or HEADERS.get(name.strip())


def clean_label(value: object) -> str:
    """'1', '1.0' (from spreadsheets), ' 1 ', '1栋' → '1'; '2单元' → '2'."""
    text = "" if value is None else str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    for suffix in ("栋", "号楼", "幢", "单元", "室", "号"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)].strip()
    return text


def parse_area(value: object) -> Fraction:
    """An exclusive area in m², exact to 0.01: '65.37' → Fraction(6537, 100)."""
    text = "" if value is None else str(value).strip().replace("㎡", "").replace("m²", "")
    try:
        dec = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(key="households.area_m_must_number", text=text) from None
    if not dec.is_finite() or dec <= 0 or dec > 10000:
        raise InvalidInput(key="households.area_m_must_above", text=text)
    if dec != dec.quantize(Decimal("0.01")):
        raise InvalidInput(key="households.area_m_most_decimals", text=text)
    return Fraction(dec)


def area_text(area: Fraction) -> str:
    """Fraction → '65.37' (always two decimals; exact for areas with ≤ 2 decimals)."""
    cents = area * 100
    if cents.denominator != 1:
        raise InvalidInput(key="households.area_whole_number_m", area=area)
    n = int(cents)
    return f"{n // 100}.{n % 100:02d}"


@dataclass(frozen=True)
class RegisterRow:
    building: str
    unit: str
    room: str
    area_m2: Fraction
    owner_id: str | None = None
    residents: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.building, self.unit, self.room)

    @property
    def label(self) -> str:
        return f"{self.building}-{self.unit}-{self.room}"


def validate_row(raw: dict[str, object]) -> RegisterRow:
    """One register line (canonical column names) → a RegisterRow, or InvalidInput saying why."""
    values = {k: clean_label(raw.get(k)) for k in ("building", "unit", "room")}
    for k, v in values.items():
        if not v:
            raise InvalidInput(key="households.empty", k=k)
        if len(v) > 32:
            raise InvalidInput(key="households.longer_than_characters", k=k, v=v[:40])
    area = parse_area(raw.get("area_m2"))
    owner_raw = raw.get("owner_id")
    owner = None if owner_raw is None else str(owner_raw).strip()
    if owner is not None and owner.endswith(".0") and owner[:-2].isdigit():
        owner = owner[:-2]
    residents_raw = raw.get("residents")
    residents: int | None = None
    if residents_raw is not None and str(residents_raw).strip() not in ("", "nan"):
        text = str(residents_raw).strip().removesuffix(".0")
        if not text.isdigit() or int(text) > 50:
            raise InvalidInput(
                key="households.residents_must_whole_number", residents_raw=residents_raw
            )
        residents = int(text)
    return RegisterRow(
        values["building"],
        values["unit"],
        values["room"],
        area,
        owner or None,
        residents,
    )


def validate_rows(rows: list[tuple[int, dict[str, object]]]) -> list[RegisterRow]:
    """All rows or none: every bad line is reported with its line number."""
    out: list[RegisterRow] = []
    errors: list[CocreateError] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, raw in rows:
        try:
            row = validate_row(raw)
        except InvalidInput as exc:
            errors.append(at_line(line, exc))
            continue
        if row.key in seen:
            again = InvalidInput(
                key="households.appears_again", room=row.label, first=seen[row.key]
            )
            errors.append(at_line(line, again))
            continue
        seen[row.key] = line
        out.append(row)
    if errors:
        shown = first_errors(errors)
        raise InvalidInput(key="households.bad_row_s_nothing", n_errors=len(errors), shown=shown)
    if not out:
        raise InvalidInput(key="households.register_rows_expected_building")
    return out
