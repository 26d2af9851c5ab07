"""The column-by-column path for new rows (``WorkerSchema.new_rows``): :class:`NewRows`, what it made, and the
helpers that convert one column's cells at a time, once per distinct text, leaving to the model path any row they
cannot vouch for (PERFORMANCE.md; ledgers/tests/test_import_fast_path.py proves both paths agree)."""

from django.core.exceptions import ValidationError

from ledgers.schemas.columns import KEEP, choice_cell
from zyparty import excel

_text = excel.cell_text


class NewRows:
    """What :meth:`WorkerSchema.new_rows` made of a run of new rows: ``taken[i]`` says whether row ``i`` passed,
    ``values`` maps a field's attname to its value for every row (meaningless for a refused row), and ``defaults``
    holds the value of every field it does not set."""

    __slots__ = ("taken", "values", "defaults")

    def __init__(self, taken, values, defaults):
        self.taken, self.values, self.defaults = taken, values, defaults

    def row(self, index) -> dict:
        """Every field's value for row ``index``, as an instance dict would hold them."""
        return {name: (self.values[name][index] if name in self.values else default)
                for name, default in self.defaults.items()}


ABSENT = object()  # a column the row's sheet does not have
REFUSED = object()  # a cell the one-pass path leaves to the model path
_MISSING = object()


class Refused(Exception):
    pass


_REFUSALS = (Refused, ValidationError, excel.CellError)


def convert_cells(values, convert, absent, memo, refused, width=1, keyed=None):
    """``convert`` over the cells of one column: ``absent`` where the sheet lacks the column, and the index into
    ``refused`` where it raises. With a ``memo``, once per distinct text: only texts are remembered (1, 1.0 and True
    are equal keys but different cells; ``keyed`` says which keys qualify), so a lookup can only find a text. A
    ``width`` > 1 gives ``width`` lists, one for each part of the converted tuples."""
    if memo is None:
        memo = {}
        keyed = _never
    memo[ABSENT] = absent
    get = memo.get
    out = [get(value, _MISSING) for value in values]  # the common case in one pass: a text seen before
    for index, result in enumerate(out):
        if result is _MISSING:
            value = values[index]
            try:
                result = convert(value)
            except _REFUSALS:
                result = REFUSED
            if keyed(value) if keyed is not None else type(value) is str:
                memo[value] = result
        if result is REFUSED:
            refused.add(index)
            result = (REFUSED,) * width if width > 1 else REFUSED
        out[index] = result
    return out if width == 1 else [list(part) for part in zip(*out)] if out else [[] for _n in range(width)]


def _never(value):
    return False


def text_pair(pair) -> bool:
    return all(type(value) is str or value is ABSENT for value in pair)


def no_record(value):
    if _text(value):  # a record id names an existing record: the model path says what is wrong
        raise Refused


def short_text(limit, value):
    text = _text(value)
    if len(text) > limit:
        raise Refused
    return text


def choice_or(ctx, header, kind, keep_blank, maskable, default, value):
    """A coded cell by the import's matcher (:func:`choice_cell`; an unknown value is refused, so that the model
    path collects it for the clerk to map); once per distinct text through ``convert_cells``' memo."""
    result = choice_cell(ctx, header, kind, _text(value), keep_blank, maskable)
    return default if result is KEEP else result


def scope_attnames(model):
    """The attnames the scoping layer reads to place a new ``model`` instance (zyparty.scoping.permits)."""
    names = []
    for paths in model.scope_paths.values():
        for path in [paths] if isinstance(paths, str) else paths:
            if path != "pk" and f"{path}_id" not in names:
                names.append(f"{path}_id")
    return names
