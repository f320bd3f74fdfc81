"""Every kind of job a person can start, by its kind (docs/jobs.md)."""

from afterresume.jobs.definitions import JobDefinition
from afterresume.jobs.kinds.enhance import ENHANCE
from afterresume.jobs.kinds.exporting import DATA_EXPORT
from afterresume.jobs.kinds.importing import WORKLOG_IMPORT
from afterresume.jobs.kinds.report import REPORT_GENERATE
from afterresume.jobs.kinds.skills import SKILLS_EXTRACT

DEFINITIONS: dict[str, JobDefinition] = {
    definition.kind: definition
    for definition in (ENHANCE, SKILLS_EXTRACT, REPORT_GENERATE, WORKLOG_IMPORT, DATA_EXPORT)
}
