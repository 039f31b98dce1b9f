"""The prior-authorization request (CONTRACT.md) and the quantities derived from it."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

LineOfBusiness = Literal["commercial", "medicaid", "marketplace"]
LINES_OF_BUSINESS: tuple[LineOfBusiness, ...] = ("commercial", "medicaid", "marketplace")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Member(_Model):
    id: str = Field(min_length=1)
    name: str = ""
    dob: dt.date
    sex: Literal["F", "M", "U"] = "U"


class Prescriber(_Model):
    name: str = ""
    npi: Annotated[str, Field(pattern=r"^\d{10}$")] | None = None
    specialty: str = ""


_STRENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mg|%)\s*$", re.IGNORECASE)


@lru_cache(maxsize=256)
def parse_strength(strength: str) -> tuple[Fraction, str]:
    """``15 mg`` -> (15, "mg"); ``1.5%`` -> (3/2, "%"). Raises ValueError otherwise."""
    match = _STRENGTH.match(strength)
    if match is None:
        raise ValueError(f"strength {strength!r} is not like '15 mg' or '1.5%'")
    return Fraction(match.group(1)), match.group(2).lower()


class Medication(_Model):
    product: str = Field(min_length=1)
    strength: str = Field(min_length=1)
    quantity: float = Field(gt=0)
    unit: Literal["tablet", "g"]
    days_supply: int = Field(ge=1, le=366)
    sig: str = ""

    @model_validator(mode="after")
    def _strength_form(self) -> Medication:
        parse_strength(self.strength)
        return self

    @property
    def strength_amount(self) -> tuple[Fraction, str]:
        """The strength as (amount, unit) with unit ``mg`` or ``%``."""
        return parse_strength(self.strength)


class RequestDiagnosis(_Model):
    icd10: str = ""
    description: str = ""

    @model_validator(mode="after")
    def _something(self) -> RequestDiagnosis:
        if not self.icd10.strip() and not self.description.strip():
            raise ValueError("a diagnosis needs an icd10 code or a description")
        return self


class Request(_Model):
    request_id: str = Field(min_length=1)
    received_date: dt.date
    request_type: Literal["initial", "continuation"]
    line_of_business: LineOfBusiness
    state: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    member: Member
    prescriber: Prescriber = Prescriber()
    medication: Medication
    diagnoses: tuple[RequestDiagnosis, ...] = Field(min_length=1)
    requested_duration_months: int | None = Field(default=None, ge=1, le=120)

    @model_validator(mode="after")
    def _dates(self) -> Request:
        if self.member.dob > self.received_date:
            raise ValueError(
                f"member.dob {self.member.dob} is after received_date {self.received_date}"
            )
        return self

    @cached_property
    def age_years(self) -> int:
        """Completed years of age on the received date."""
        dob, on = self.member.dob, self.received_date
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))

    @cached_property
    def tablets_per_day(self) -> Fraction | None:
        med = self.medication
        if med.unit != "tablet":
            return None
        return Fraction(str(med.quantity)) / med.days_supply

    @cached_property
    def mg_per_day(self) -> Fraction | None:
        amount, unit = self.medication.strength_amount
        per_day = self.tablets_per_day
        if per_day is None or unit != "mg":
            return None
        return amount * per_day

    @cached_property
    def grams_per_day(self) -> Fraction | None:
        med = self.medication
        if med.unit != "g":
            return None
        return Fraction(str(med.quantity)) / med.days_supply

    def grams_per(self, days: int) -> Fraction | None:
        """Grams dispensed per ``days`` days at the requested supply (topicals only)."""
        per_day = self.grams_per_day
        return None if per_day is None else per_day * days
