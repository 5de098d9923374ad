"""The demo's children's homes named in the three working languages, as regions and units are: a
home's type and number, then its region ("Детский дом № 1 (город Алматы)", "№ 1 балалар үйі
(Алматы қаласы)", "Children's home № 1 (Almaty)": numbered with "№" in English too, as cases and
families are). Used by the demo's generator and by the migrations that gave the homes of an already
loaded demo their Kazakh and English names (children 0004) and the English "№" (0005)."""

import re

# (Russian, Kazakh, English), in the demo generator's order of home types (demo.generator: HOME_TYPES).
HOME_TYPE_NAMES = [
    ("Дом ребёнка", "сәбилер үйі", "Baby home"),
    ("Детский дом", "балалар үйі", "Children's home"),
    ("Школа-интернат", "мектеп-интернат", "Boarding school"),
    ("Детская деревня семейного типа", "отбасылық үлгідегі балалар ауылы", "Family-type children's village"),
    ("Дом юношества", "жасөспірімдер үйі", "Youth home"),
]

_DEMO_NAME = re.compile(r"^(?P<type>.+) № (?P<n>\d+) \((?P<region>.+)\)$")


def home_names(type_index: int, number: int, region: tuple[str, str, str]) -> tuple[str, str, str]:
    """(Kazakh, Russian, English) names of the demo's home ``number`` of a type in a region,
    ``region`` being the region's (Kazakh, Russian, English) names."""
    ru, kk, en = HOME_TYPE_NAMES[type_index]
    region_kk, region_ru, region_en = region
    return f"№ {number} {kk} ({region_kk})", f"{ru} № {number} ({region_ru})", f"{en} № {number} ({region_en})"


def names_of_demo_name(name_ru: str, regions: dict[str, tuple[str, str, str]]) -> tuple[str, str, str] | None:
    """The three names of a home named as the demo names them in Russian, else None (a home named
    otherwise keeps its name). ``regions``: each region's (kk, ru, en) names by its Russian name."""
    match = _DEMO_NAME.match(name_ru)
    types = [ru for ru, _kk, _en in HOME_TYPE_NAMES]
    if not match or match["type"] not in types or match["region"] not in regions:
        return None
    return home_names(types.index(match["type"]), int(match["n"]), regions[match["region"]])
