"""Writes of skills (docs/skills.md): by hand (add, rename, merge, hide, link an entry) and the
outcome of an extraction. Every write keeps one skill per name and person: a name already taken
(as a name or an alias) is refused with the way out (rename to something else, or merge)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from afterresume.accounts.models import User
from afterresume.skills.models import Skill, SkillAlias, SkillEntry, SkillExtraction
from afterresume.tenants.models import Tenant
from afterresume.worklogs.models import WorkLog

MAX_NAME = 100


def skill_key(name: str) -> str:
    return " ".join(name.split()).lower()


def clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValidationError({"name": "Give the skill a name."})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": f"A skill's name can have at most {MAX_NAME} characters."})
    return name


def skill_named(*, author: User, name: str) -> Skill | None:
    """The person's skill with this name or alias, case and spacing aside."""
    key = skill_key(name)
    return Skill.objects.filter(author=author).filter(Q(key=key) | Q(aliases__key=key)).first()


def _alias_add(skill: Skill, keys) -> None:
    SkillAlias.objects.bulk_create(
        [SkillAlias(skill=skill, author_id=skill.author_id, key=key) for key in keys if key != skill.key],
        ignore_conflicts=True,
    )


def _refuse_taken(*, author: User, name: str, keep: Skill | None = None) -> None:
    taken = skill_named(author=author, name=name)
    if taken is not None and taken != keep:
        raise ValidationError({"name": f"You have the skill “{taken.name}” already: merge into it instead."})


@transaction.atomic
def skill_create(*, tenant: Tenant, author: User, name: str) -> Skill:
    name = clean_name(name)
    _refuse_taken(author=author, name=name)
    return Skill.objects.create(tenant=tenant, author=author, name=name, key=skill_key(name))


@transaction.atomic
def skill_update(*, skill: Skill, name: str | None = None, is_hidden: bool | None = None) -> Skill:
    """Rename (the old name becomes an alias, so a later extraction still finds this skill) and/or
    hide or show the skill."""
    skill = Skill.objects.select_for_update().get(pk=skill.pk)
    if name is not None:
        name = clean_name(name)
        _refuse_taken(author=skill.author, name=name, keep=skill)
        old_key, skill.name, skill.key = skill.key, name, skill_key(name)
        SkillAlias.objects.filter(skill=skill, key=skill.key).delete()  # renamed back to an alias
        _alias_add(skill, [old_key])
    if is_hidden is not None:
        skill.is_hidden = is_hidden
    skill.save()
    return skill


@transaction.atomic
def skill_merge(*, skill: Skill, into: Skill) -> Skill:
    """`skill` becomes part of `into`: every entry link moves (a link by hand stays by hand), its
    names become aliases of `into`, and it is gone."""
    if skill.author_id != into.author_id or skill.tenant_id != into.tenant_id:
        raise ValidationError({"into": "Skills can only be merged with another of your own."})
    if skill.pk == into.pk:
        raise ValidationError({"into": "A skill cannot be merged into itself."})
    into = Skill.objects.select_for_update().get(pk=into.pk)
    links = {link.entry_id: link for link in SkillEntry.objects.filter(skill=into)}
    for link in SkillEntry.objects.filter(skill=skill):
        kept = links.get(link.entry_id)
        if kept is None:
            SkillEntry.objects.create(skill=into, entry_id=link.entry_id, source=link.source)
        elif link.source == SkillEntry.Source.MANUAL and kept.source != link.source:
            SkillEntry.objects.filter(pk=kept.pk).update(source=SkillEntry.Source.MANUAL)
    names = [skill.key, *skill.aliases.values_list("key", flat=True)]
    skill.delete()  # its aliases with it, before they become the other skill's
    _alias_add(into, names)
    into.save()
    skill_counts_refresh([into.pk])
    into.refresh_from_db()
    return into


@transaction.atomic
def skill_link(*, skill: Skill, entry: WorkLog) -> SkillEntry:
    """Link an entry of the skill's author by hand (kept when the entry is extracted again)."""
    if entry.author_id != skill.author_id:
        raise ValidationError({"worklog_id": "No entry of yours has this id."})
    link, _ = SkillEntry.objects.update_or_create(
        skill=skill, entry=entry, defaults={"source": SkillEntry.Source.MANUAL}
    )
    skill_counts_refresh([skill.pk])
    return link


@transaction.atomic
def skill_unlink(*, skill: Skill, entry: WorkLog) -> None:
    SkillEntry.objects.filter(skill=skill, entry=entry).delete()
    skill_counts_refresh([skill.pk])


def skill_counts_refresh(skill_ids) -> None:
    """Counts the entries of each skill again, in the caller's transaction, each skill's row locked
    while it is counted (two changes of one skill serialize; the second counts the first's)."""
    for skill in Skill.objects.select_for_update().filter(pk__in=set(skill_ids)).order_by("pk"):
        Skill.objects.filter(pk=skill.pk).update(entry_count=SkillEntry.objects.filter(skill=skill).count())


def skills_before_entry_delete(entry: WorkLog):
    """Registered with the worklogs' delete (apps.py): an entry's links go with it, so its skills
    are counted again once it is gone, in the same transaction."""
    skill_ids = list(SkillEntry.objects.filter(entry=entry).values_list("skill_id", flat=True))
    return lambda: skill_counts_refresh(skill_ids)


@transaction.atomic
def skills_record_extraction(
    *, tenant: Tenant, author: User, found: dict[int, list[str]], through: datetime
) -> dict:
    """An extraction's outcome: for each entry extracted, the skills it shows. Its earlier
    extracted links are replaced (links by hand stay); a name maps to the person's skill of that
    name or alias, or a new one. The person's extraction is then done `through` that moment.
    Returns the counts and the new skills' names."""
    replaced = SkillEntry.objects.filter(
        entry_id__in=list(found), entry__author=author, source=SkillEntry.Source.EXTRACTED
    )
    touched = set(replaced.values_list("skill_id", flat=True))
    replaced.delete()
    new: list[str] = []
    links = 0
    for entry_id, names in found.items():
        for name in names:
            try:
                name = clean_name(name)
            except ValidationError:
                continue
            skill = skill_named(author=author, name=name)
            if skill is None:
                skill = Skill.objects.create(tenant=tenant, author=author, name=name, key=skill_key(name))
                new.append(name)
            _, made = SkillEntry.objects.get_or_create(
                skill=skill, entry_id=entry_id, defaults={"source": SkillEntry.Source.EXTRACTED}
            )
            links += made
            touched.add(skill.pk)
    skill_counts_refresh(touched)
    mark = SkillExtraction.objects.select_for_update().filter(author=author).first()
    if mark is None:
        SkillExtraction.objects.create(tenant=tenant, author=author, through=through)
    elif mark.through < through:
        mark.through = through
        mark.save(update_fields=["through"])
    return {"entries": len(found), "links": links, "new_skills": new}
