"""children 0004: a home's one name becomes its Russian name; the homes an already loaded demo named
get their Kazakh and English names; any other home keeps its name, its Kazakh and English empty."""

import pytest

from tests.migrating import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demos_homes_get_their_kazakh_and_english_names_and_others_keep_theirs():
    old = migrate([("children", "0003_search_text")])
    try:
        Home, Region = old.get_model("children", "ChildrensHome"), old.get_model("regions", "Region")
        almaty = Region.objects.get(code="almaty")
        demo = Home.objects.create(name="Детский дом № 3 (город Алматы)", home_type="childrens_home", region=almaty, capacity=10)
        other = Home.objects.create(name="Дом ребёнка «Ак бота»", home_type="baby_home", region=almaty, capacity=10)

        new = migrate([("children", "0004_home_names_in_three_languages")])
        Home = new.get_model("children", "ChildrensHome")
        assert Home.objects.filter(pk=demo.pk).values_list("name_kk", "name_ru", "name_en").get() == (
            "№ 3 балалар үйі (Алматы қаласы)", "Детский дом № 3 (город Алматы)", "Children's home № 3 (Almaty)")
        assert Home.objects.filter(pk=other.pk).values_list("name_kk", "name_ru", "name_en").get() == ("", "Дом ребёнка «Ак бота»", "")
    finally:
        migrate(latest())


def test_the_demos_english_home_names_are_numbered_with_the_sign_and_back():
    """children 0005: "Children's home No. 3 (Almaty)" (as 0004 wrote it) becomes "Children's home № 3
    (Almaty)"; a home named otherwise keeps its English name; the migration back restores "No."."""
    old = migrate([("children", "0004_home_names_in_three_languages")])
    try:
        Home, Region = old.get_model("children", "ChildrensHome"), old.get_model("regions", "Region")
        almaty = Region.objects.get(code="almaty")
        demo = Home.objects.create(name_ru="Детский дом № 3 (город Алматы)", name_kk="№ 3 балалар үйі (Алматы қаласы)",
                                   name_en="Children's home No. 3 (Almaty)", home_type="childrens_home", region=almaty, capacity=10)
        other = Home.objects.create(name_ru="Дом ребёнка «Ак бота»", name_en="Ak Bota Home No. 2", home_type="baby_home",
                                    region=almaty, capacity=10)

        new = migrate([("children", "0005_english_home_names_numbered_with_sign")])
        Home = new.get_model("children", "ChildrensHome")
        assert Home.objects.get(pk=demo.pk).name_en == "Children's home № 3 (Almaty)"
        assert Home.objects.get(pk=other.pk).name_en == "Ak Bota Home No. 2"

        back = migrate([("children", "0004_home_names_in_three_languages")])
        assert back.get_model("children", "ChildrensHome").objects.get(pk=demo.pk).name_en == "Children's home No. 3 (Almaty)"
    finally:
        migrate(latest())
