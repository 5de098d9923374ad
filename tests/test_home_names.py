"""Children's homes are named in kk/ru/en as regions and units are (core.models.MultilingualNameMixin):
the home pickers, the child's page and the API name a home in the reader's language, the Russian
name standing in where that language's is not recorded; the demo's homes have all three."""

import pytest
from django.conf import settings

from children.home_names import names_of_demo_name
from regions.models import Region
from tests import factories

pytestmark = pytest.mark.django_db

NAMES = {"kk": "№ 1 балалар үйі (Алматы қаласы)", "ru": "Детский дом № 1 (город Алматы)", "en": "Children's home № 1 (Almaty)"}


@pytest.fixture
def home(worker):
    return factories.ChildrensHomeFactory(region=worker.unit.region, name_kk=NAMES["kk"], name_ru=NAMES["ru"], name_en=NAMES["en"])


def _get(client, user, language: str, url: str) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_register_forms_home_picker_names_the_homes_in_the_readers_language(client, worker, home, language):
    html = _get(client, worker, language, f"/children/home-options/?region={home.region_id}")

    assert f'<option value="{home.pk}">{NAMES[language]}</option>'.replace("'", "&#x27;") in html
    others = [name for lang, name in NAMES.items() if lang != language]
    assert not any(name.replace("'", "&#x27;") in html for name in others)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_childs_page_and_its_edit_form_name_the_home_in_the_readers_language(client, worker, home, language):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__region=home.region,
                                 child__current_home=home)

    for url in (f"/children/{case.child_id}/", f"/children/{case.child_id}/edit/"):
        html = _get(client, worker, language, url)
        assert NAMES[language].replace("'", "&#x27;") in html, url
        if language != "ru":
            assert NAMES["ru"] not in html, url


def test_a_home_without_its_kazakh_name_shows_the_russian_one(client, worker):
    home = factories.ChildrensHomeFactory(region=worker.unit.region, name_kk="", name_ru="Дом ребёнка «Ак бота»", name_en="")

    html = _get(client, worker, "kk", f"/children/home-options/?region={home.region_id}")

    assert f'<option value="{home.pk}">Дом ребёнка «Ак бота»</option>' in html


def test_the_api_names_the_home_in_the_requests_language_and_gives_all_three(api_client, worker, home):
    api_client.force_authenticate(worker)

    row = api_client.get(f"/api/v1/homes/{home.pk}/", HTTP_ACCEPT_LANGUAGE="kk").json()

    assert row["name"] == NAMES["kk"]
    assert (row["name_kk"], row["name_ru"], row["name_en"]) == (NAMES["kk"], NAMES["ru"], NAMES["en"])


def test_a_demo_homes_russian_name_gives_its_kazakh_and_english_names():
    regions = {r.name_ru: (r.name_kk, r.name_ru, r.name_en) for r in Region.objects.all()}

    assert names_of_demo_name(NAMES["ru"], regions) == (NAMES["kk"], NAMES["ru"], NAMES["en"])
    assert names_of_demo_name("Школа-интернат № 12 (Абайская область)", regions) == (
        "№ 12 мектеп-интернат (Абай облысы)", "Школа-интернат № 12 (Абайская область)", "Boarding school № 12 (Abai Region)")
    assert names_of_demo_name("Дом ребёнка «Ак бота»", regions) is None  # a home named otherwise keeps its name


# Three homes: the first two named in every language, the third only in Russian. Shown, in order of
# the name the reader sees (the Russian one standing in for the third), by position in HOMES.
HOMES = [("Б үй", "В дом", "C home"), ("В үй", "А дом", "A home"), ("", "Г дом", "")]
ORDER = {"kk": [0, 1, 2], "ru": [1, 0, 2], "en": [1, 0, 2]}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_api_orders_homes_by_the_name_the_reader_sees(api_client, worker, language):
    """?ordering=name and the default order follow the request's language (the Russian name where
    that language's is empty); each language's column can still be asked for by its own name."""
    region = worker.unit.region
    homes = [factories.ChildrensHomeFactory(region=region, name_kk=kk, name_ru=ru, name_en=en) for kk, ru, en in HOMES]
    api_client.force_authenticate(worker)

    def ids(query: str) -> list[int]:
        response = api_client.get(f"/api/v1/homes/?region={region.code}{query}", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, response.content
        ours = {home.pk for home in homes}
        return [row["id"] for row in response.json()["results"] if row["id"] in ours]

    shown = [homes[i].pk for i in ORDER[language]]
    assert ids("&ordering=name") == shown
    assert ids("") == shown
    assert ids("&ordering=-name") == shown[::-1]
    assert ids("&ordering=name_ru") == [homes[1].pk, homes[0].pk, homes[2].pk]
