"""The organizations import (CONTRACT.md "organizations"; issue 14 item 3): a county's party organizations from one
sheet, upserted by full name within the county. Mixed into the run (ledgers.importing.engine).

Organizations are few (hundreds per county) and refer to each other, so they take their own path rather than the
ledgers' bulk one: every row is read and checked first; then each 上级党组织 is resolved by full or short name among
the county's organizations and the file's own rows (a parent may stand below its children in the file); a parent
that is the row itself, unknown, ambiguous or part of a cycle is an error naming the rows. Only a file without a
single error is written, in one transaction, parents before children, each organization by its own ``save()``
(audited, short names kept in step) and only where something changed: re-importing a file writes nothing.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ledgers.importing.access import permits, within_unit
from ledgers.importing.checking import add_clean_errors
from ledgers.importing.writing import Rollback
from ledgers.schemas import ImportContext, RowErrors
from ledgers.schemas.context import set_fk
from ledgers.schemas.orgrefs import OrganizationIndex, org_key
from organizations.models import PartyOrganization
from zyparty import excel

COMPARED = ("name", "short_names", "kind", "form", "parent_id", "home_unit_id", "is_outpost", "host_place_code",
            "secretary_name", "secretary_phone", "founded_on", "remarks", "town_id", "county_id")
UNSET = object()  # 上级党组织 not in the file: the parent stays as it is


class Row:
    """One organization row while the file is checked."""

    __slots__ = ("sheet", "row_no", "cells", "cols", "obj", "before", "errors", "parent")

    def __init__(self, sheet, row_no, cells, cols, obj, before):
        self.sheet, self.row_no, self.cells, self.cols = sheet, row_no, cells, cols
        self.obj, self.before, self.errors = obj, before, RowErrors()
        self.parent = UNSET


class OrganizationsImport:
    """The organizations path of :class:`ledgers.importing.engine.ImportRun`."""

    def _run_organizations(self, path):
        rows = self._read(path)
        if not rows:
            return
        ctx = ImportContext(user=self.user, unit=self.batch.unit)
        units = ctx.units()
        # The county's organizations, all of them: a name is unique in the county whoever imports.
        existing = list(PartyOrganization.objects.filter(county=ctx.county))
        by_full_name = {}
        for org in existing:
            if org.home_unit_id in units["by_id"]:
                set_fk(org, "home_unit", units["by_id"][org.home_unit_id])
            by_full_name.setdefault(org_key(org.name), []).append(org)
        checked = self._org_rows(rows, ctx, by_full_name)
        self._org_parents(checked, existing)
        self._org_place_and_rules(checked)
        self._org_cycles(checked, existing)
        for row in checked:
            for header, code, message in row.errors.items:
                self.error(row.sheet, row.row_no, header, row.cells.get(header, ""), message, code,
                           row.cols.get(header))
        changed = self._org_classify(checked)
        try:
            with transaction.atomic():
                if self.error_count or not self.commit:
                    raise Rollback
                self._org_save(changed)
                self._audit()
                self._mark_committed()
                self.written = True
        except Rollback:
            self.written = False
        except IntegrityError as exc:
            self._write_failed(exc)

    def _org_rows(self, rows, ctx, by_full_name):
        """Each row's organization (the county's by full name, or a new one) with its cells applied; 上级党组织
        waits. A name twice in the file, or naming an organization outside the user's scope, is an error."""
        schema, first_seen, checked = self.schema, {}, []
        for sheet, row_no, cells, cols in rows:
            try:
                key = schema.key_of(cells)
            except excel.CellError as exc:
                self.error(sheet, row_no, "党组织名称", "", exc.message, exc.code, cols.get("党组织名称"))
                continue
            if key[1] in first_seen:
                self.error(sheet, row_no, "党组织名称", key[2], _("与第%(r)d行是同一个党组织（全称相同）。") % {
                    "r": first_seen[key[1]]}, "duplicate_in_file", cols.get("党组织名称"))
                continue
            first_seen[key[1]] = row_no
            found = by_full_name.get(key[1], [])
            if len(found) > 1:
                self.error(sheet, row_no, "党组织名称", key[2], _("本县已有多个全称相同的党组织（编号%(ids)s），请先在系统中合并或更名。")
                           % {"ids": "、".join(str(o.pk) for o in found)}, "organization_ambiguous",
                           cols.get("党组织名称"))
                continue
            current = found[0] if found else None
            if current is not None and not permits(self.user, current):
                self.error(sheet, row_no, "党组织名称", key[2], _("该党组织不在您的管辖范围内。"), "out_of_scope",
                           cols.get("党组织名称"))
                continue
            if current is None:
                obj = PartyOrganization(county=ctx.county)
                before = None
            else:
                obj, before = current, {name: current.__dict__.get(name) for name in COMPARED}
            row = Row(sheet, row_no, cells, cols, obj, before)
            schema.apply(obj, cells, ctx, row.errors, key, current)
            if obj.home_unit_id is not None:
                obj.derive_place()  # the town, so that a parent's name is looked for in the row's own town first
            if "上级党组织" in cells:
                row.parent = excel.cell_text(cells["上级党组织"])
            checked.append(row)
        return checked

    def _org_parents(self, checked, existing):
        """上级党组织 by full or short name among the county's organizations and the file's rows; the file's names
        are what the organizations will be called."""
        index = OrganizationIndex(existing)
        for row in checked:
            index.add(row.obj, (row.obj.name, *row.obj.short_name_list))
        for row in checked:
            text = row.parent
            if text is UNSET:
                continue
            if not text:
                row.parent = None
                continue
            try:
                parent = index.resolve(text, row.obj.town_id)
            except excel.CellError as exc:
                row.errors.add("上级党组织", exc.code, exc.message)
                row.parent = UNSET
                continue
            if parent is row.obj:
                row.errors.add("上级党组织", "parent_self", _("上级党组织不能是其本身。"))
                row.parent = UNSET
                continue
            row.parent = parent

    def _org_place_and_rules(self, checked):
        """所在区划 from the parent when the row gives none; then the model's own clean(), the scope and the unit."""
        for row in checked:
            obj = row.obj
            if obj.home_unit_id is None and isinstance(row.parent, PartyOrganization):
                parent = row.parent
                if parent.home_unit_id is not None:
                    set_fk(obj, "home_unit", parent.home_unit)
            if obj.home_unit_id is None:
                if not any(h == "所在区划" for h, _c, _m in row.errors.items):
                    row.errors.add("所在区划", "required", _("请填写所在区划（区划代码或名称），或填写上级党组织。"))
                continue
            obj.derive_place()
            try:
                obj.clean()
            except ValidationError as exc:
                add_clean_errors(self.schema, exc, row.errors)
            if not row.errors:
                if not permits(self.user, obj):
                    row.errors.add("所在区划", "out_of_scope", _("不在您的管辖范围内。"))
                elif not within_unit(self.batch.unit, obj):
                    row.errors.add("所在区划", "outside_unit", _("不属于本次导入的“%(u)s”。") % {
                        "u": self.batch.unit.name})

    def _org_cycles(self, checked, existing):
        """A parent chain that comes back to the row: an error on each row of the cycle, naming it."""
        rows_of = {id(row.obj): row for row in checked}
        by_id = {org.pk: org for org in existing}

        def parent_of(org):
            row = rows_of.get(id(org))
            if row is not None and row.parent is not UNSET:
                return row.parent
            return by_id.get(org.parent_id) if org.parent_id else None

        reported = set()
        for row in checked:
            chain, node = [row.obj], parent_of(row.obj)
            while node is not None and len(chain) <= len(rows_of) + len(by_id):
                if node is row.obj:
                    if id(row.obj) not in reported:
                        names = " → ".join(o.name for o in [*chain, row.obj])
                        for org in chain:
                            reported.add(id(org))
                            member = rows_of.get(id(org))
                            if member is not None:
                                member.errors.add("上级党组织", "parent_cycle", _("上级党组织形成循环：%(c)s。") % {
                                    "c": names})
                    break
                if any(node is seen for seen in chain):
                    break  # a cycle further up, reported on its own rows
                chain.append(node)
                node = parent_of(node)

    def _org_classify(self, checked):
        """New / changed / unchanged, for rows without errors; returns the rows to save."""
        out = []
        for row in checked:
            if row.errors:
                continue
            obj = row.obj
            if row.before is None:
                self.counts["new"] += 1
                out.append(row)
                continue
            parent = row.parent
            parent_moved = parent is not UNSET and (parent is None and obj.parent_id is not None or parent is not None
                                                    and (parent.pk is None or parent.pk != obj.parent_id))
            if parent_moved or any(obj.__dict__.get(name) != row.before[name] for name in COMPARED):
                self.counts["changed"] += 1
                out.append(row)
            else:
                self.counts["unchanged"] += 1
        return out

    def _org_save(self, rows):
        """Parents before children: a row waits until the row it hangs under (if new in the file) has its id."""
        pending = list(rows)
        while pending:
            waiting = []
            for row in pending:
                parent = row.parent
                if parent is not UNSET and parent is not None and parent.pk is None:
                    waiting.append(row)
                    continue
                if parent is not UNSET:
                    row.obj.parent = parent
                row.obj.save()
            if len(waiting) == len(pending):  # cannot happen once cycles are errors; never loop for ever
                raise IntegrityError("organization parents form a cycle")
            pending = waiting
