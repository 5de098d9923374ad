"""Abstract pieces every app's models share."""

from collections.abc import Collection
from contextlib import nullcontext

from django.core.exceptions import FieldError, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class MultilingualNameMixin(models.Model):
    """A name kept in the three working languages; ``name`` follows the active language."""

    name_kk = models.CharField(_("name (Kazakh)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        language = (get_language() or "ru")[:2]
        return getattr(self, f"name_{language}", "") or self.name_ru


class CheckConstraintsInOneQuery(models.Model):
    """``full_clean`` (``validate_constraints``) checks every CheckConstraint of the model in one
    statement, ``SELECT COALESCE(<condition 1>, true), COALESCE(<condition 2>, true), ...`` on the
    instance's values, instead of Django's one statement per constraint, each in its own savepoint
    (a family's 26 constraints were 78 queries on every save through a service). The same rules as
    Django's: a constraint naming a field in ``exclude`` is skipped, a failure is a non-field
    ValidationError with the constraint's message and code, and a database error falls back to
    Django's checks one by one (which log it and let the database decide). Other constraints
    (UniqueConstraint, ExclusionConstraint) are checked as Django does."""

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict = {}
        for model_class, constraints in self.get_constraints():
            checks = [c for c in constraints if isinstance(c, models.CheckConstraint)]
            others = [c for c in constraints if not isinstance(c, models.CheckConstraint)]
            for constraint in [*_failed_checks(self, model_class, checks, exclude, using), *others]:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as e:
                    if getattr(e, "code", None) == "unique" and len(getattr(constraint, "fields", ())) == 1:
                        errors.setdefault(constraint.fields[0], []).append(e)
                    else:
                        errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def _failed_checks(instance: models.Model, model_class: type[models.Model], checks: list[models.CheckConstraint],
                   exclude: Collection[str] | None, using: str) -> list[models.CheckConstraint]:
    """The check constraints of ``checks`` the instance's values break, asked in one statement (as
    Q.check asks one: the values as literals, in a savepoint inside a transaction). A constraint on an
    excluded field is left out (Q.check's FieldError); on a database error every constraint is
    returned, for CheckConstraint.validate to ask one by one."""
    query = Query(None)
    for name, value in instance._get_field_expression_map(meta=model_class._meta, exclude=exclude).items():
        query.add_annotation(value if hasattr(value, "resolve_expression") else Value(value), name, select=False)
    asked = []
    for constraint in checks:
        try:
            query.add_annotation(Coalesce(Q(constraint.condition), True, output_field=models.BooleanField()),
                                 f"_check_{len(asked)}")
        except FieldError:
            continue  # it names an excluded field: not checked (CheckConstraint.validate)
        asked.append(constraint)
    if not asked:
        return []
    connection = connections[using]
    try:
        with transaction.atomic(using=using) if connection.in_atomic_block else nullcontext():
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError:
        return asked
    return [constraint for constraint, holds in zip(asked, row, strict=True) if not holds]
