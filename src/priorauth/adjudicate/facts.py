"""The fact vocabulary: what the policy's criteria read from a chart packet.

Extraction fills these models, reviewers confirm or edit them, the engine reads them. Each
fact has a ``name`` (which model it is), a typed ``value``, the ``evidence`` it was read from
(document, page, character span, box, verbatim quote), its assertion ``context`` (negated,
historical, hypothetical, about a family member, uncertain), who produced it (``source``),
and whether its evidence was verified against the page (``grounded``).

Open vocabularies (condition ids, drug classes, agents, sites) are lowercase identifiers that
a policy file declares; the closed ones (outcomes, routes, units, devices) are enums here.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=64)]
"""A vocabulary id such as ``myelofibrosis`` or ``topical_corticosteroid``."""

Agent = Annotated[str, Field(min_length=1, max_length=120)]
"""A generic drug name in lowercase (``triamcinolone acetonide``), or a regimen (``chop``)."""


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BBox(Model):
    """A box on the page in PDF points, origin at the top left (pdfplumber's convention)."""

    x0: float
    top: float
    x1: float
    bottom: float

    @model_validator(mode="after")
    def _ordered(self) -> BBox:
        if self.x1 < self.x0 or self.bottom < self.top:
            raise ValueError("x1 must be >= x0 and bottom >= top")
        return self


class Evidence(Model):
    """Where a fact was read: a verbatim quote at a place in a document."""

    document: str = Field(min_length=1)
    page: int = Field(ge=1)
    quote: str = Field(min_length=1)
    char_start: int | None = Field(default=None, ge=0)
    char_end: int | None = Field(default=None, ge=0)
    bbox: BBox | None = None
    match: Literal["exact", "whitespace", "hyphenation", "not_found", "unsupported"] | None = None
    """How a model's quote was found on the page (extractors that read the page need none)."""

    @model_validator(mode="after")
    def _span(self) -> Evidence:
        if (self.char_start is None) != (self.char_end is None):
            raise ValueError("char_start and char_end go together")
        if (
            self.char_start is not None
            and self.char_end is not None
            and self.char_end < self.char_start
        ):
            raise ValueError("char_end must be >= char_start")
        return self


class Context(Model):
    """Assertion context, as medspaCy's ConText names it."""

    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    family: bool = False
    uncertain: bool = False

    @property
    def about_patient_now(self) -> bool:
        """True when the statement is a firm statement about this patient."""
        return not (self.hypothetical or self.family or self.uncertain)


class SourceKind(StrEnum):
    RULES = "rules"
    LLM = "llm"
    REVIEWER = "reviewer"
    REQUEST = "request"
    CLAIMS = "claims"


class Source(Model):
    """Who produced a fact: an extractor (name, version, model, prompt) or a person."""

    kind: SourceKind = SourceKind.REVIEWER
    name: str = ""
    version: str = ""
    model: str | None = None
    prompt_version: str | None = None


class FactStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class FactBase(Model):
    id: str = Field(min_length=1, max_length=64)
    date: dt.date | None = None
    """The date the fact refers to (lab collection, note date), not when it was extracted."""
    evidence: tuple[Evidence, ...] = ()
    context: Context = Context()
    source: Source = Source()
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    grounded: bool = True
    """False when the evidence could not be verified on the page; such facts are never used."""
    status: FactStatus = FactStatus.PROPOSED

    @property
    def usable(self) -> bool:
        """Whether the engine may read this fact at all."""
        return self.grounded and self.status is not FactStatus.REJECTED


# --- values ------------------------------------------------------------------------------


class Route(StrEnum):
    TOPICAL = "topical"
    ORAL = "oral"
    INTRAVENOUS = "intravenous"
    SUBCUTANEOUS = "subcutaneous"
    INTRAMUSCULAR = "intramuscular"
    OTHER = "other"


class Potency(StrEnum):
    """Topical corticosteroid potency classes of Appendix B, weakest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"

    @property
    def rank(self) -> int:
        return _POTENCY_RANK[self]


_POTENCY_RANK = {Potency.LOW: 0, Potency.MEDIUM: 1, Potency.HIGH: 2, Potency.VERY_HIGH: 3}


class Outcome(StrEnum):
    """How a therapy trial ended, in the policy's words."""

    FAILURE = "failure"
    INADEQUATE_RESPONSE = "inadequate_response"
    NO_IMPROVEMENT = "no_improvement"
    PROGRESSION = "progression"
    INCOMPLETE_RESPONSE = "incomplete_response"
    STABLE_DISEASE = "stable_disease"
    INTOLERANCE = "intolerance"
    """Clinically significant adverse effects were experienced."""
    CONTRAINDICATION = "contraindication"
    """The agent is contraindicated (whether or not it was ever given)."""
    RESPONSE = "response"
    ONGOING = "ongoing"
    UNKNOWN = "unknown"


FAILURE_OUTCOMES = frozenset(
    {
        Outcome.FAILURE,
        Outcome.INADEQUATE_RESPONSE,
        Outcome.NO_IMPROVEMENT,
        Outcome.PROGRESSION,
        Outcome.INCOMPLETE_RESPONSE,
        Outcome.STABLE_DISEASE,
    }
)
EXCEPTION_OUTCOMES = frozenset({Outcome.INTOLERANCE, Outcome.CONTRAINDICATION})


class MedicationStatus(StrEnum):
    CURRENT = "current"
    PAST = "past"
    PLANNED = "planned"


class PlateletUnit(StrEnum):
    """Platelet count units. 10^9/L and 10^3/uL (K/uL, x10E3/uL) are the same scale."""

    PER_NANOLITRE = "10^9/L"
    THOUSANDS_PER_MICROLITRE = "10^3/uL"
    PER_MICROLITRE = "/uL"

    def to_10e9_per_l(self, count: float) -> float:
        if self is PlateletUnit.PER_MICROLITRE:
            return count / 1000.0
        return count


class Alteration(StrEnum):
    MUTATION = "mutation"
    FUSION = "fusion"
    REARRANGEMENT = "rearrangement"
    ALTERATION = "alteration"
    INSERTION_DELETION = "insertion_deletion"
    DELETION = "deletion"
    AMPLIFICATION = "amplification"


class Intent(StrEnum):
    INITIAL = "initial"
    INDUCTION = "induction"
    CONSOLIDATION = "consolidation"
    MAINTENANCE = "maintenance"
    PALLIATIVE = "palliative"
    SALVAGE = "salvage"


class TransplantKind(StrEnum):
    ALLOGENEIC = "allogeneic"
    AUTOLOGOUS = "autologous"
    UNSPECIFIED = "unspecified"


class OxygenDevice(StrEnum):
    """Oxygen delivery as Appendix E grades it."""

    NASAL_CANNULA = "nasal_cannula"
    BLOW_BY = "blow_by"
    HIGH_FLOW_NASAL_CANNULA = "high_flow_nasal_cannula"
    FACE_MASK = "face_mask"
    NONREBREATHER_MASK = "nonrebreather_mask"
    VENTURI_MASK = "venturi_mask"
    CPAP = "cpap"
    BIPAP = "bipap"
    INTUBATION = "intubation"
    MECHANICAL_VENTILATION = "mechanical_ventilation"


class Response(StrEnum):
    POSITIVE = "positive"
    NONE = "none"
    WORSENING = "worsening"


class DiagnosisValue(Model):
    condition: Identifier
    subtype: Identifier | None = None
    """``primary``, ``post_pv``, ``post_et``, ``acute``, ``chronic``, ``nonsegmental``, ..."""
    risk: Literal["low", "intermediate", "high"] | None = None
    icd10: str | None = Field(default=None, max_length=10)


class BsaInvolvementValue(Model):
    """Body surface area *involved* by the disease, in percent (never m² for dosing)."""

    percent: float = Field(ge=0, le=100)


class TreatmentSiteValue(Model):
    site: Identifier
    """``face``, ``intertriginous``, ``genitals``, ``axilla``, ``groin``, ``forearm``, ..."""


class ImmuneStatusValue(Model):
    immunocompromised: bool
    reason: str | None = None


class PlateletCountValue(Model):
    count: float = Field(ge=0)
    unit: PlateletUnit = PlateletUnit.PER_NANOLITRE

    @property
    def per_nanolitre(self) -> float:
        return self.unit.to_10e9_per_l(self.count)


class TherapyTrialValue(Model):
    """A therapy the member tried (or cannot take), and how it went."""

    agent: Agent
    drug_class: Identifier | None = None
    """When absent, the policy's Appendix B classifies the agent."""
    route: Route | None = None
    strength: str | None = Field(default=None, max_length=40)
    """As written: ``0.1%``, ``0.05%``, ``500 mg``."""
    potency: Potency | None = None
    duration_days: int | None = Field(default=None, ge=0)
    outcome: Outcome = Outcome.UNKNOWN
    dose_mg_per_kg_day: float | None = Field(default=None, ge=0)
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class MedicationValue(Model):
    """A medication-list entry: what the member takes, took, or is about to start."""

    agent: Agent
    drug_class: Identifier | None = None
    route: Route | None = None
    status: MedicationStatus = MedicationStatus.CURRENT


class MedicationListValue(Model):
    """The packet documents the member's current medication list (possibly empty)."""

    documented: bool = True


class MutationValue(Model):
    gene: str = Field(min_length=1, max_length=40)
    """As named by the lab: ``JAK2``, ``EPOR``, ``SH2B3``, ``IL7R``, ``CRLF2``."""
    alteration: Alteration = Alteration.MUTATION
    detail: str | None = Field(default=None, max_length=120)
    detected: bool = True


class TreatmentPlanValue(Model):
    intent: Intent
    combined_with: tuple[Agent, ...] = ()


class SystemicTherapyLinesValue(Model):
    count: int = Field(ge=0)


class TransplantValue(Model):
    kind: TransplantKind = TransplantKind.UNSPECIFIED


class CellTherapyValue(Model):
    therapy: Literal["car_t"] = "car_t"
    target: Identifier | None = None
    """``bcma``, ``cd19``, ..."""


class FeverValue(Model):
    temperature_c: float = Field(ge=25, le=45)


class HypotensionValue(Model):
    present: bool = True


class VasopressorValue(Model):
    agent: Agent


class OxygenSupportValue(Model):
    device: OxygenDevice
    flow_l_min: float | None = Field(default=None, ge=0)


class CrsGradeValue(Model):
    """A CRS grade as the chart states it; Appendix E's own grading is derived separately."""

    grade: int = Field(ge=1, le=4)


class ResponseToTherapyValue(Model):
    response: Response
    detail: str | None = Field(default=None, max_length=200)


class TherapyStatusValue(Model):
    """Continuation: is the member on the drug now, how long, and through which benefit."""

    currently_receiving: bool
    via_plan_benefit: bool | None = None
    previously_approved: bool | None = None
    days_on_therapy: int | None = Field(default=None, ge=0)


class DoseIncreaseValue(Model):
    increase: bool


class DoseLiteratureValue(Model):
    """Practice guidelines or peer-reviewed literature the prescriber submitted for the dose."""

    citation: str = Field(min_length=1, max_length=500)


class ConsultationValue(Model):
    specialty: str = Field(min_length=1, max_length=120)


# --- facts -------------------------------------------------------------------------------


class Diagnosis(FactBase):
    name: Literal["diagnosis"]
    value: DiagnosisValue


class BsaInvolvement(FactBase):
    name: Literal["bsa_involvement"]
    value: BsaInvolvementValue


class TreatmentSite(FactBase):
    name: Literal["treatment_site"]
    value: TreatmentSiteValue


class ImmuneStatus(FactBase):
    name: Literal["immune_status"]
    value: ImmuneStatusValue


class PlateletCount(FactBase):
    name: Literal["platelet_count"]
    value: PlateletCountValue


class TherapyTrial(FactBase):
    name: Literal["therapy_trial"]
    value: TherapyTrialValue


class Medication(FactBase):
    name: Literal["medication"]
    value: MedicationValue


class MedicationList(FactBase):
    name: Literal["medication_list"]
    value: MedicationListValue = MedicationListValue()


class Mutation(FactBase):
    name: Literal["mutation"]
    value: MutationValue


class TreatmentPlan(FactBase):
    name: Literal["treatment_plan"]
    value: TreatmentPlanValue


class SystemicTherapyLines(FactBase):
    name: Literal["systemic_therapy_lines"]
    value: SystemicTherapyLinesValue


class Transplant(FactBase):
    name: Literal["transplant"]
    value: TransplantValue = TransplantValue()


class CellTherapy(FactBase):
    name: Literal["cell_therapy"]
    value: CellTherapyValue = CellTherapyValue()


class Fever(FactBase):
    name: Literal["fever"]
    value: FeverValue


class Hypotension(FactBase):
    name: Literal["hypotension"]
    value: HypotensionValue = HypotensionValue()


class Vasopressor(FactBase):
    name: Literal["vasopressor"]
    value: VasopressorValue


class OxygenSupport(FactBase):
    name: Literal["oxygen_support"]
    value: OxygenSupportValue


class CrsGrade(FactBase):
    name: Literal["crs_grade"]
    value: CrsGradeValue


class ResponseToTherapy(FactBase):
    name: Literal["response_to_therapy"]
    value: ResponseToTherapyValue


class TherapyStatus(FactBase):
    name: Literal["therapy_status"]
    value: TherapyStatusValue


class DoseIncrease(FactBase):
    name: Literal["dose_increase"]
    value: DoseIncreaseValue


class DoseLiterature(FactBase):
    name: Literal["dose_literature"]
    value: DoseLiteratureValue


class Consultation(FactBase):
    name: Literal["consultation"]
    value: ConsultationValue


Fact = Annotated[
    Diagnosis
    | BsaInvolvement
    | TreatmentSite
    | ImmuneStatus
    | PlateletCount
    | TherapyTrial
    | Medication
    | MedicationList
    | Mutation
    | TreatmentPlan
    | SystemicTherapyLines
    | Transplant
    | CellTherapy
    | Fever
    | Hypotension
    | Vasopressor
    | OxygenSupport
    | CrsGrade
    | ResponseToTherapy
    | TherapyStatus
    | DoseIncrease
    | DoseLiterature
    | Consultation,
    Field(discriminator="name"),
]

FACT_TYPES: dict[str, type[FactBase]] = {
    "diagnosis": Diagnosis,
    "bsa_involvement": BsaInvolvement,
    "treatment_site": TreatmentSite,
    "immune_status": ImmuneStatus,
    "platelet_count": PlateletCount,
    "therapy_trial": TherapyTrial,
    "medication": Medication,
    "medication_list": MedicationList,
    "mutation": Mutation,
    "treatment_plan": TreatmentPlan,
    "systemic_therapy_lines": SystemicTherapyLines,
    "transplant": Transplant,
    "cell_therapy": CellTherapy,
    "fever": Fever,
    "hypotension": Hypotension,
    "vasopressor": Vasopressor,
    "oxygen_support": OxygenSupport,
    "crs_grade": CrsGrade,
    "response_to_therapy": ResponseToTherapy,
    "therapy_status": TherapyStatus,
    "dose_increase": DoseIncrease,
    "dose_literature": DoseLiterature,
    "consultation": Consultation,
}
"""Every fact name with its model; the policy loader checks declared facts against it."""


class FactSet(Model):
    """The JSON form of a set of facts: ``{"facts": [...]}``. Ids are unique."""

    facts: tuple[Fact, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> FactSet:
        seen: set[str] = set()
        for fact in self.facts:
            if fact.id in seen:
                raise ValueError(f"duplicate fact id {fact.id!r}")
            seen.add(fact.id)
        return self


FACT_ADAPTER: TypeAdapter[Fact] = TypeAdapter(Fact)
