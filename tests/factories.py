"""factory-boy factories for every model, producing valid rows (real IINs, approved families with
certificates in date) so that a test states only what it is about."""

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import OrganisationalUnit, User
from cases.models import Case, Placement, Stage
from children.models import Child, ChildrensHome, LegalStatus, SiblingGroup
from core.iin import make_iin
from families.models import Applicant, Family
from regions.models import Region
from visits.models import Visit


def region_by_code(code: str = "almaty") -> Region:
    return Region.objects.get(code=code)


def valid_iin(birth_date: dt.date, sex: str, start: int) -> str:
    """The first valid IIN for this date and sex at or after serial ``start``."""
    serial = start
    while (iin := make_iin(birth_date, sex, serial)) is None:
        serial += 1
    return iin


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationalUnit

    kind = OrganisationalUnit.Kind.DISTRICT
    region = factory.LazyFunction(region_by_code)
    parent = factory.LazyAttribute(lambda o: OrganisationalUnit.objects.get(kind="region", region=o.region))
    code = factory.Sequence(lambda n: f"district-{n}")
    name_kk = factory.Sequence(lambda n: f"{n}-аудан қорғаншылық органы")
    name_ru = factory.Sequence(lambda n: f"Орган опеки района {n}")
    name_en = factory.Sequence(lambda n: f"District {n} guardianship authority")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Aigerim"
    last_name = factory.Sequence(lambda n: f"Worker{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.kz")
    role = User.Role.SOCIAL_WORKER
    unit = factory.SubFactory(DistrictFactory)
    password = factory.django.Password("pass-for-tests-1")


class ChildrensHomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChildrensHome

    class Params:
        name = None  # one name for the three languages, where a test needs only one

    name_kk = factory.LazyAttributeSequence(lambda o, n: o.name or f"№ {n} балалар үйі")
    name_ru = factory.LazyAttributeSequence(lambda o, n: o.name or f"Детский дом № {n}")
    name_en = factory.LazyAttributeSequence(lambda o, n: o.name or f"Children's home № {n}")
    home_type = "childrens_home"
    region = factory.LazyFunction(region_by_code)
    capacity = 120


class SiblingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiblingGroup


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    last_name = factory.Sequence(lambda n: f"Nurlanov{n}")
    first_name = "Arman"
    birth_date = dt.date(2016, 5, 17)
    sex = "M"
    # Stride 2: a serial without a check digit falls through to the next one, which with stride 1 is
    # the next sequence number's serial, and two rows of one birth date would share an IIN.
    iin = factory.LazyAttributeSequence(lambda o, n: valid_iin(o.birth_date, o.sex, 2 * n))
    legal_status = LegalStatus.ORPHAN
    region = factory.LazyFunction(region_by_code)
    current_home = factory.SubFactory(ChildrensHomeFactory, region=factory.SelfAttribute("..region"))
    entered_care_on = factory.LazyAttribute(lambda o: max(o.birth_date, dt.date(2023, 1, 10)))


class FamilyFactory(factory.django.DjangoModelFactory):
    """An approved family with every certificate valid for another year."""

    class Meta:
        model = Family

    region = factory.LazyFunction(region_by_code)
    responsible_unit = factory.SubFactory(DistrictFactory, region=factory.SelfAttribute("..region"))
    form_of_care = "adoption"
    applied_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=200))
    preferred_age_min = 0
    preferred_age_max = 17
    max_siblings = 3
    max_health_needs = 1
    home_study_issued_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=100))
    home_study_expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    training_certificate_number = factory.Sequence(lambda n: f"SAP-{n:05d}")
    training_issued_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=120))
    training_expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    approval_status = "approved"
    approved_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=90))
    approval_expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))


class ApplicantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Applicant

    family = factory.SubFactory(FamilyFactory)
    position = 1
    last_name = factory.Sequence(lambda n: f"Sadykova{n}")
    first_name = "Dana"
    birth_date = dt.date(1988, 3, 2)
    sex = "F"
    # Stride 2: a serial without a check digit falls through to the next one, which with stride 1 is
    # the next sequence number's serial, and two rows of one birth date would share an IIN.
    iin = factory.LazyAttributeSequence(lambda o, n: valid_iin(o.birth_date, o.sex, 2 * n))


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    child = factory.SubFactory(ChildFactory)
    stage = Stage.REGISTERED
    responsible_unit = factory.SubFactory(DistrictFactory, region=factory.SelfAttribute("..child.region"))
    assigned_worker = factory.SubFactory(UserFactory, unit=factory.SelfAttribute("..responsible_unit"))


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    case = factory.SubFactory(CaseFactory, stage=Stage.PLACED)
    child = factory.SelfAttribute("case.child")
    family = factory.SubFactory(FamilyFactory)
    form_of_care = factory.SelfAttribute("family.form_of_care")
    started_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=60))
    # A placement rests on an authority's decision (cases.services.decision_errors).
    decision_document_number = factory.Sequence(lambda n: f"П-2026-{n:07d}")
    decision_date = factory.LazyAttribute(lambda p: p.started_on - dt.timedelta(days=5))


def placement_decision(*, starts_on: dt.date | None = None, **overrides: object) -> dict:
    """The decision a new placement rests on, its number and date, as place_child, move_child and a
    move to placed need them: dated the day before the placement starts (``starts_on``, default today),
    as a decision is never after the placement it allows."""
    return {"decision_document_number": "П-2026-0000001",
            "decision_date": (starts_on or timezone.localdate()) - dt.timedelta(days=1), **overrides}


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    placement = factory.SubFactory(PlacementFactory)
    planned_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=10))


class ConsentFactory(factory.django.DjangoModelFactory):
    """A consent to share the child's data with another agency, in force."""

    class Meta:
        model = "consents.Consent"

    case = factory.SubFactory(CaseFactory)
    kind = "data_sharing"
    given_by = "Legal representative"
    given_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=5))
    recorded_by = factory.SelfAttribute("case.assigned_worker")
