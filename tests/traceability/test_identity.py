"""What an identifier names: one object, a lot, a product class, a location, or an id of one's own."""

from __future__ import annotations

import pytest

from traceability.errors import InvalidPayload
from traceability.identity import classify, is_instance, product_of
from traceability.lots import LotProduce, LotReceive, LotShip


@pytest.mark.parametrize(
    ("value", "level", "product"),
    [
        ("urn:epc:id:sgtin:4012345.011122.25", "instance", "urn:epc:idpat:sgtin:4012345.011122.*"),
        ("urn:epc:id:sscc:0614141.1234567890", "instance", None),
        ("urn:epc:id:giai:4000001.12345", "instance", None),
        ("urn:epc:class:lgtin:4012345.012345.998877", "lot", "urn:epc:idpat:sgtin:4012345.012345.*"),
        ("urn:epc:idpat:sgtin:4012345.098765.*", "class", "urn:epc:idpat:sgtin:4012345.098765.*"),
        ("urn:epc:id:sgln:0614141.00777.0", "location", None),
        ("urn:epc:id:pgln:9520001.00001", "location", None),
        (
            "https://id.gs1.org/01/09506000134352/21/AUR-2026-000001",
            "instance",
            "https://id.gs1.org/01/09506000134352",
        ),
        (
            "https://id.gs1.org/01/09520001000017/10/FAB-2026-07",
            "lot",
            "https://id.gs1.org/01/09520001000017",
        ),
        (
            "https://id.gs1.org/01/09520001000017/10/FAB-2026-07/21/7",
            "instance",
            "https://id.gs1.org/01/09520001000017",
        ),
        ("https://id.gs1.org/01/09520001000024", "class", "https://id.gs1.org/01/09520001000024"),
        ("https://brand.example/products/01/09520001000024?linkType=all", "class", None),
        ("https://id.example.com/8003/030013450007718765", "instance", None),
        ("https://id.example.com/8003/03001345000771", "class", None),
        ("https://id.gs1.org/00/106141412345678908", "instance", None),
        ("https://id.example.com/414/4012345000054", "location", None),
        ("AL-1", "other", None),
        ("urn:example:lot:42", "other", None),
    ],
)
def test_classify(value: str, level: str, product: str | None) -> None:
    found = classify(value)
    assert found.level == level
    if product is not None:
        assert found.product == product
    assert is_instance(value) is (level == "instance")


def test_product_of_falls_back_to_the_id() -> None:
    assert product_of("AL-1") == "AL-1"
    assert product_of("urn:epc:class:lgtin:4012345.012345.998877") == "urn:epc:idpat:sgtin:4012345.012345.*"
    assert product_of("https://brand.example/products/01/09520001000024/10/L1") == (
        "https://brand.example/products/01/09520001000024"
    )


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        (
            LotProduce,
            {"product": "p", "period_start": "2026-01-01T00:00:00Z", "period_end": "2026-01-02T00:00:00Z"},
        ),
        (LotShip, {"customer": "B-1"}),
        (LotReceive, {"supplier": "S-1"}),
    ],
)
def test_a_serialized_item_is_one_each(
    model: type[LotProduce | LotShip | LotReceive], payload: dict[str, str]
) -> None:
    serial = "urn:epc:id:sgtin:4012345.011122.25"
    model.from_json({"lot_id": serial, "quantity": 1, "unit": "EA", **payload})
    with pytest.raises(InvalidPayload, match="serialized item"):
        model.from_json({"lot_id": serial, "quantity": 2, "unit": "EA", **payload})
    with pytest.raises(InvalidPayload, match="serialized item"):
        model.from_json({"lot_id": serial, "quantity": 1, "unit": "g", **payload})
