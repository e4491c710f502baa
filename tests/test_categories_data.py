"""The shipped categories and factors: shape, provenance and plausibility.

Self-contained: no fixtures from tests/conftest.py.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run without an installed package
    sys.path.insert(0, str(REPO_ROOT))

from exchange.categories import (  # noqa: E402
    CategoryData,
    Factor,
    shipped_categories,
    shipped_factor_set,
)

DATA_FILE = REPO_ROOT / "exchange" / "data" / "categories.json"
RESEARCH_CANDIDATES = (
    REPO_ROOT.parent / "shared" / "RESEARCH.md",
    Path("/work/shared/RESEARCH.md"),
)

REQUIRED_SLUGS = {
    "softwood",
    "hardwood",
    "plywood",
    "mdf",
    "osb",
    "particleboard",
    "steel",
    "stainless-steel",
    "aluminium",
    "copper",
    "glass",
    "acrylic",
    "polycarbonate",
    "plastics",
    "cardboard",
    "paper",
    "textile",
    "tiles",
    "bricks",
    "concrete-blocks",
    "mixed",
}
FACTOR_FIELDS = ("value", "unit", "source", "version", "entry", "note")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DERIVED_NOTE = "derived: DESNZ 2025 primary production minus closed-loop source"
# Nothing shipped should exceed this (stainless steel, aluminium are ~6-13).
MAX_FACTOR = 50.0


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def categories(raw) -> list[dict]:
    return raw["categories"]


@pytest.fixture(scope="module")
def research_numbers() -> set[float]:
    for path in RESEARCH_CANDIDATES:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            return {float(tok) for tok in re.findall(r"\d+(?:\.\d+)?", text)}
    where = ", ".join(str(p) for p in RESEARCH_CANDIDATES)
    pytest.skip(f"RESEARCH.md not found (looked at {where}); cannot check values against it")


def _in_research(value: float, numbers: set[float]) -> bool:
    return any(math.isclose(value, n, rel_tol=0, abs_tol=1e-9) for n in numbers)


def _factors(categories):
    for cat in categories:
        for kind in ("reuse_factor", "recycle_factor"):
            yield cat["slug"], kind, cat[kind]


def test_file_parses_with_header(raw):
    header = raw["factor_set"]
    assert header["version"] == "exchange-defaults-2026.1"
    for key in ("version", "name", "note"):
        assert isinstance(header[key], str) and header[key].strip()
    assert isinstance(raw["categories"], list) and raw["categories"]


def test_slugs_unique_and_well_formed(categories):
    slugs = [c["slug"] for c in categories]
    assert len(slugs) == len(set(slugs)), "duplicate slugs"
    for slug in slugs:
        assert SLUG_RE.match(slug), f"badly formed slug {slug!r}"


def test_required_slugs_present(categories):
    missing = REQUIRED_SLUGS - {c["slug"] for c in categories}
    assert not missing, f"missing categories: {sorted(missing)}"


def test_names_present(categories):
    for cat in categories:
        for key in ("name", "name_fr"):
            assert isinstance(cat[key], str) and cat[key].strip(), (cat["slug"], key)


def test_every_factor_has_full_provenance(categories):
    for slug, kind, factor in _factors(categories):
        assert set(FACTOR_FIELDS) <= set(factor), (slug, kind)
        for key in FACTOR_FIELDS[1:]:
            assert isinstance(factor[key], str) and factor[key].strip(), (slug, kind, key)
        assert factor["unit"] == "kg CO2e/kg", (slug, kind)
        assert isinstance(factor["value"], (int, float)) and not isinstance(factor["value"], bool)


def test_values_non_negative_and_plausible(categories):
    for slug, kind, factor in _factors(categories):
        value = factor["value"]
        assert math.isfinite(value) and 0 <= value <= MAX_FACTOR, (slug, kind, value)
    for cat in categories:
        if cat["slug"] != "mixed":
            assert cat["reuse_factor"]["value"] > 0, cat["slug"]
        # Recycling never earns more than reusing the same kilogram avoids.
        assert cat["recycle_factor"]["value"] <= cat["reuse_factor"]["value"], cat["slug"]


def test_zero_factors_say_why(categories):
    for slug, kind, factor in _factors(categories):
        if factor["value"] == 0:
            note = factor["note"].lower()
            assert "no recycling credit" in note or "nothing is claimed" in note, (slug, kind)


def test_derived_credits_say_how(categories):
    for slug, kind, factor in _factors(categories):
        if factor["entry"] == "derived":
            assert DERIVED_NOTE in factor["note"], (slug, kind)


def test_mixed_claims_nothing(categories):
    mixed = next(c for c in categories if c["slug"] == "mixed")
    assert mixed["reuse_factor"]["value"] == 0
    assert mixed["recycle_factor"]["value"] == 0
    assert mixed["density_kg_m3"] is None


def test_acrylic_is_a_flagged_stand_in(categories):
    acrylic = next(c for c in categories if c["slug"] == "acrylic")
    assert "stand-in" in acrylic["reuse_factor"]["note"].lower()


def test_reuse_values_come_from_research(categories, research_numbers):
    for cat in categories:
        factor = cat["reuse_factor"]
        if "stand-in" in factor["note"].lower():
            continue
        if cat["slug"] == "mixed" and factor["value"] == 0:
            continue
        assert _in_research(factor["value"], research_numbers), (
            f"{cat['slug']}: reuse factor {factor['value']} is not in RESEARCH.md"
        )


def test_recycle_credits_come_from_research(categories, research_numbers):
    for cat in categories:
        value = cat["recycle_factor"]["value"]
        if value == 0:
            continue
        assert _in_research(value, research_numbers), f"{cat['slug']}: recycle factor {value} is not in RESEARCH.md"


def test_densities_positive_or_null(categories):
    for cat in categories:
        density = cat["density_kg_m3"]
        if density is None:
            assert "weigh" in (cat["density_source"] or "").lower(), cat["slug"]
        else:
            assert isinstance(density, (int, float)) and not isinstance(density, bool)
            assert 10 <= density <= 25_000, (cat["slug"], density)
            assert (cat["density_source"] or "").strip(), cat["slug"]
    for slug in ("cardboard", "textile", "mixed"):
        cat = next(c for c in categories if c["slug"] == slug)
        assert cat["density_kg_m3"] is None, slug


def test_loader_matches_file(raw):
    cats = shipped_categories()
    assert [c.slug for c in cats] == [c["slug"] for c in raw["categories"]]
    assert all(isinstance(c, CategoryData) for c in cats)
    assert all(isinstance(c.reuse_factor, Factor) for c in cats)
    assert all(isinstance(c.recycle_factor, Factor) for c in cats)
    assert shipped_factor_set() == raw["factor_set"]
    softwood = next(c for c in cats if c.slug == "softwood")
    assert softwood.reuse_factor.value == pytest.approx(0.263)
    assert softwood.reuse_factor.version == "v3.0"
    assert softwood.density_kg_m3 == 420


def test_loader_objects_are_frozen_and_copies_are_safe():
    cat = shipped_categories()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cat.slug = "other"  # type: ignore[misc]
    shipped_categories().clear()
    shipped_factor_set()["version"] = "tampered"
    assert shipped_categories() and shipped_factor_set()["version"] == "exchange-defaults-2026.1"
