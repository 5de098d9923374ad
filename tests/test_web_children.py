"""The child pages: register (IIN as typed, duplicates before saving), the child's page with its
history, edit, the children's home picker and the sibling group."""

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import Case, Stage
from children.models import Child
from tests import factories

pytestmark = pytest.mark.django_db

BIRTH = dt.date(2017, 3, 9)


@pytest.fixture
def home(region):
    return factories.ChildrensHomeFactory(name="Алматы балалар үйі №2", region=region)


def form_data(region, home=None, **overrides):
    data = {
        "last_name": "Сейітов", "first_name": "Ержан", "patronymic": "", "birth_date": BIRTH.isoformat(), "sex": "M",
        "iin": factories.valid_iin(BIRTH, "M", 40), "legal_status": "orphan", "region": region.pk,
        "current_home": home.pk if home else "", "entered_care_on": "2023-02-01", "health_needs": 0,
        "sdq_total_difficulties": "", "health_notes": "", "birth_family_notes": "", "abuse_history_notes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def own_child(worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__last_name="Abenova",
                                 child__sex="F", child__birth_date=dt.date(2015, 6, 1))
    return case.child


def test_register_page_shows_the_form_with_the_workers_region(client, worker, region, home):
    client.force_login(worker)
    response = client.get(reverse("web:child-new"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{region.pk}" selected>' in html
    assert "Алматы балалар үйі №2" in html  # the home picker lists the region's homes by name


def test_registering_a_child_opens_the_case_and_shows_the_childs_page(client, worker, region, home):
    client.force_login(worker)
    response = client.post(reverse("web:child-new"), form_data(region, home))
    child = Child.objects.get(last_name="Сейітов")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:child", args=[child.pk])
    case = Case.objects.get(child=child)
    assert case.assigned_worker == worker and case.stage == Stage.REGISTERED
    assert child.current_home == home
    page = client.get(response["Location"]).content.decode()
    assert "Сейітов Ержан" in page and "Registered" in page and worker.get_full_name() in page


def test_an_iin_disagreeing_with_birth_date_and_sex_gets_a_message_beside_each_field(client, worker, region):
    client.force_login(worker)
    data = form_data(region, birth_date="2017-03-10", sex="F")
    response = client.post(reverse("web:child-new"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert "does not match the IIN" in form.errors["birth_date"][0]
    assert "7th digit" in form.errors["sex"][0]
    assert 'value="Сейітов"' in response.content.decode()  # the typed input is kept
    assert not Child.objects.filter(last_name="Сейітов").exists()


def test_a_malformed_iin_gets_its_own_message(client, worker, region):
    client.force_login(worker)
    iin = factories.valid_iin(BIRTH, "M", 40)
    bad = iin[:11] + str((int(iin[11]) + 1) % 10)
    response = client.post(reverse("web:child-new"), form_data(region, iin=bad))
    assert response.status_code == 400
    assert "check digit" in response.context["form"].errors["iin"][0]


def test_a_duplicate_iin_is_refused_beside_the_field_with_a_link_to_the_visible_child(client, worker, region, own_child):
    client.force_login(worker)
    data = form_data(region, iin=own_child.iin, birth_date=own_child.birth_date.isoformat(), sex=own_child.sex)
    response = client.post(reverse("web:child-new"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["iin"] == ["A child with this IIN is already registered."]
    assert reverse("web:child", args=[own_child.pk]) in response.content.decode()
    assert Child.objects.filter(iin=own_child.iin).count() == 1


def test_possible_duplicates_are_shown_before_saving_and_a_new_child_needs_a_reason(client, worker, region, own_child):
    hidden = factories.ChildFactory(last_name="Abenova", first_name=own_child.first_name, birth_date=own_child.birth_date,
                                    sex="F")
    client.force_login(worker)
    data = form_data(region, last_name="ABENOVA", first_name=own_child.first_name, birth_date=own_child.birth_date.isoformat(),
                     sex="F", iin="")
    response = client.post(reverse("web:child-new"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Possible duplicates" in html
    assert reverse("web:child", args=[own_child.pk]) in html  # the visible one can be opened
    assert reverse("web:child", args=[hidden.pk]) not in html  # the other unit's child is only counted
    assert "1 possible duplicate is registered in another unit" in html
    assert Child.objects.filter(last_name="ABENOVA").count() == 0

    response = client.post(reverse("web:child-new"), {**data, "confirm_new": "on", "duplicate_reason": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["duplicate_reason"] == ["Say why this is a different child."]

    response = client.post(reverse("web:child-new"), {**data, "confirm_new": "on", "duplicate_reason": "twin sister"})
    assert response.status_code == 302
    child = Child.objects.get(last_name="ABENOVA")
    assert child.history.get().history_change_reason == "Registered despite possible duplicates: twin sister"


def test_analysts_may_not_register_children(client, analyst, region):
    client.force_login(analyst)
    assert client.get(reverse("web:child-new")).status_code == 403
    assert client.post(reverse("web:child-new"), form_data(region)).status_code == 403
    assert not Child.objects.filter(last_name="Сейітов").exists()


def test_iin_check_says_what_is_wrong_as_typed(client, worker):
    client.force_login(worker)
    url = reverse("web:iin-check")
    assert "exactly 12 digits" in client.get(url, {"iin": "1234"}).content.decode()
    iin = factories.valid_iin(BIRTH, "M", 40)
    ok = client.get(url, {"iin": iin, "birth_date": BIRTH.isoformat(), "sex": "M"}).content.decode()
    assert "The IIN is valid" in ok and "does not match" not in ok
    wrong = client.get(url, {"iin": iin, "birth_date": "2017-03-10", "sex": "F"}).content.decode()
    assert "does not match the IIN" in wrong and "7th digit" in wrong


def test_home_options_lists_the_homes_of_a_region_by_name(client, worker, region, home):
    other = factories.ChildrensHomeFactory(name="Астана үйі", region=factories.region_by_code("astana"))
    client.force_login(worker)
    html = client.get(reverse("web:home-options"), {"region": region.pk}).content.decode()
    assert "Алматы балалар үйі №2" in html and other.name not in html


def test_editing_a_child_keeps_every_change_in_the_history_with_who_and_when(client, worker, region, own_child, home):
    client.force_login(worker)
    data = form_data(region, home, last_name="Abenova", first_name="Aigerim", iin=own_child.iin,
                     birth_date=own_child.birth_date.isoformat(), sex="F", reason="name spelled as in the birth certificate")
    response = client.post(reverse("web:child-edit", args=[own_child.pk]), data)
    assert response.status_code == 302
    own_child.refresh_from_db()
    assert own_child.first_name == "Aigerim" and own_child.current_home == home
    page = client.get(reverse("web:child", args=[own_child.pk])).content.decode()
    assert "name spelled as in the birth certificate" in page
    assert "Arman → Aigerim" in page
    assert home.name in page
    assert worker.get_full_name() in page


def test_an_invalid_edit_keeps_the_input_and_saves_nothing(client, worker, region, own_child):
    client.force_login(worker)
    data = form_data(region, last_name="Changed", iin=own_child.iin, birth_date=own_child.birth_date.isoformat(), sex="F",
                     entered_care_on="2010-01-01")
    response = client.post(reverse("web:child-edit", args=[own_child.pk]), data)
    assert response.status_code == 400
    assert "before their birth date" in response.context["form"].errors["entered_care_on"][0]
    assert 'value="Changed"' in response.content.decode()
    own_child.refresh_from_db()
    assert own_child.last_name == "Abenova"


def test_a_child_of_someone_elses_case_is_not_found_nor_editable(client, worker, region):
    other = factories.CaseFactory().child
    client.force_login(worker)
    assert client.get(reverse("web:child", args=[other.pk])).status_code == 404
    assert client.post(reverse("web:child-edit", args=[other.pk]), form_data(region)).status_code == 404


def test_a_view_only_share_shows_the_child_but_does_not_let_them_edit(client, worker, supervisor, region):
    from access.services import share_case

    case = factories.CaseFactory(responsible_unit=worker.unit)
    share_case(case=case, user=worker, actor=supervisor, reason="cover")
    client.force_login(worker)
    page = client.get(reverse("web:child", args=[case.child_id]))
    assert page.status_code == 200
    assert "Hidden: you have no permission" in page.content.decode()
    assert client.get(reverse("web:child-edit", args=[case.child_id])).status_code == 403


def test_sibling_group_add_and_leave(client, worker, own_child):
    brother = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit,
                                    child__birth_date=dt.date(2013, 2, 2)).child
    client.force_login(worker)
    response = client.post(reverse("web:child-sibling-add", args=[own_child.pk]), {"sibling": str(brother.pk)})
    assert response.status_code == 302
    own_child.refresh_from_db()
    brother.refresh_from_db()
    assert own_child.sibling_group_id and own_child.sibling_group_id == brother.sibling_group_id
    page = client.get(reverse("web:child", args=[own_child.pk])).content.decode()
    assert reverse("web:child", args=[brother.pk]) in page

    response = client.post(reverse("web:child-sibling-add", args=[own_child.pk]), {"sibling": "999999"})
    assert response.status_code == 400
    assert response.context["sibling_form"].errors["sibling"] == ["No child you can see has this number or IIN."]

    client.post(reverse("web:child-sibling-leave", args=[own_child.pk]))
    own_child.refresh_from_db()
    brother.refresh_from_db()
    assert own_child.sibling_group_id is None and brother.sibling_group_id is None


def test_a_child_of_another_unit_cannot_be_added_as_a_sibling(client, worker, own_child):
    stranger = factories.CaseFactory().child
    client.force_login(worker)
    response = client.post(reverse("web:child-sibling-add", args=[own_child.pk]), {"sibling": stranger.iin})
    assert response.status_code == 400
    stranger.refresh_from_db()
    assert stranger.sibling_group_id is None


def test_children_search_is_case_insensitive_in_cyrillic_and_finds_part_of_an_iin(client, worker, region):
    a = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__last_name="Жұмабаев",
                              child__birth_date=dt.date(2014, 1, 1)).child
    b = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__last_name="Смағұлов",
                              child__birth_date=dt.date(2014, 1, 2)).child
    client.force_login(worker)
    html = client.get(reverse("web:children"), {"q": "жҰмаБ"}).content.decode()
    assert "Жұмабаев" in html and "Смағұлов" not in html
    html = client.get(reverse("web:children"), {"q": b.iin[3:9]}).content.decode()
    assert "Смағұлов" in html and a.iin[3:9] != b.iin[3:9] and "Жұмабаев" not in html


def test_child_page_makes_a_constant_number_of_queries(client, worker, own_child):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from children.services import update_child

    client.force_login(worker)
    counts = []
    for batch in range(2):
        for i in range(1 + batch * 5):
            update_child(child=own_child, actor=worker, reason=f"change {batch}-{i}", first_name=f"Name{batch}{i}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("web:child", args=[own_child.pk]))
        counts.append(len(queries))
    # Session, user, child, grants, cases, history, homes, regions, documents, access log, unread count.
    assert counts[0] == counts[1] <= 30
    assert response.content.decode().count("change 1-") == 6


def test_the_sdq_label_starts_with_a_capital_on_the_child_and_case_pages(client, worker, own_child):
    """The label is the field's verbose name, which Russian writes in lower case ("общий балл …")."""
    client.force_login(worker)
    case = Case.objects.get(child=own_child)
    for url in (reverse("web:child", args=[own_child.pk]), reverse("web:case", args=[case.pk])):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
        assert "<dt>Общий балл трудностей SDQ</dt>" in html, url
        assert "общий балл трудностей SDQ" not in html, url


def region_options(html: str) -> list[str]:
    """The labels of the region picker's options, in their order, the empty one left out."""
    import re

    select = re.search(r'<select name="region"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [label for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select) if value]


@pytest.mark.parametrize("page", ["web:child-new", "web:family-new"])
def test_the_region_picker_is_in_the_readers_alphabet(client, worker, page):
    """Not in the order of the English names (the model's); Kazakh letters in their places."""
    from core.names import alphabetical

    client.force_login(worker)
    for language in ("kk", "ru", "en"):
        names = region_options(client.get(reverse(page), HTTP_ACCEPT_LANGUAGE=language).content.decode())
        assert len(names) == 20 and names == sorted(names, key=alphabetical), language
    kazakh = region_options(client.get(reverse(page), HTTP_ACCEPT_LANGUAGE="kk").content.decode())
    assert kazakh.index("Қарағанды облысы") < kazakh.index("Маңғыстау облысы") < kazakh.index("Ұлытау облысы")
    russian = region_options(client.get(reverse(page), HTTP_ACCEPT_LANGUAGE="ru").content.decode())
    assert russian[0] == "Абайская область" and russian.index("Акмолинская область") < russian.index("город Алматы")


def test_the_consent_forms_regions_are_in_the_readers_alphabet():
    from django.utils import translation

    from web.forms import ConsentForm

    with translation.override("ru"):
        choices = [str(label) for value, label in ConsentForm().fields["region"].choices]
    assert choices[0] == "любой регион"  # the empty choice stays first
    assert choices[1] == "Абайская область" and len(choices) == 21


def test_a_record_loaded_without_history_shows_its_first_edit_as_a_change_not_a_registration(client, worker, region, own_child, home):
    # The national seed loads children by COPY: no "registered" version; the first one kept is an edit.
    own_child.history.all().delete()
    client.force_login(worker)
    data = form_data(region, home, last_name="Abenova", first_name="Aigerim", iin=own_child.iin,
                     birth_date=own_child.birth_date.isoformat(), sex="F", reason="name as in the certificate")
    assert client.post(reverse("web:child-edit", args=[own_child.pk]), data).status_code == 302
    page = client.get(reverse("web:child", args=[own_child.pk])).content.decode()
    history = page[page.index("name as in the certificate") - 400:]
    assert "Changed" in history and "Registered" not in history
    assert "None →" not in page  # the previous values are unknown: no made-up "before"


def test_the_sibling_groups_history_reasons_are_kept_untranslated_and_read_in_each_language(client, worker, own_child):
    brother = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit,
                                    child__birth_date=dt.date(2013, 2, 2)).child
    client.force_login(worker)
    client.cookies["django_language"] = "ru"  # the writer reads Russian: the stored reason must not be
    client.post(reverse("web:child-sibling-add", args=[own_child.pk]), {"sibling": str(brother.pk)},
                HTTP_ACCEPT_LANGUAGE="ru")
    own_child.refresh_from_db()
    group = own_child.sibling_group_id
    client.post(reverse("web:child-sibling-leave", args=[own_child.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    reasons = list(own_child.history.exclude(history_change_reason=None).values_list("history_change_reason", flat=True))
    assert f"Sibling group {group}" in reasons and f"Removed from sibling group {group}" in reasons
    for language, joined, left in (("en", f"Sibling group №\u00a0{group}", f"Removed from sibling group №\u00a0{group}"),
                                   ("ru", f"Группа братьев и сестёр №\u00a0{group}", f"Исключён из группы братьев и сестёр №\u00a0{group}"),
                                   ("kk", f"№\u00a0{group} бауырлар тобы", f"№\u00a0{group} бауырлар тобынан шығарылды")):
        client.cookies["django_language"] = language
        page = client.get(reverse("web:child", args=[own_child.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert joined in page and left in page, language


def test_a_new_childs_confirmed_duplicate_reason_is_read_in_each_language():
    from django.utils import translation

    from web.templatetags.web_tags import history_reason

    stored = "Registered despite possible duplicates: twins, another birth certificate"
    with translation.override("ru"):
        assert history_reason(stored) == "Зарегистрирован несмотря на возможные дубликаты: twins, another birth certificate"
    with translation.override("en"):
        assert history_reason(stored) == stored
    assert history_reason("typed by a worker") == "typed by a worker"
