"""The fast path's typed rows: msgspec structs whose decode fails on any row `explain` must see."""

from __future__ import annotations

import typing as t

import msgspec

# A key declared with this type makes any row that has it fail the typed
# decode, so the row goes to `explain` (collisions, dropped columns).
NEVER = t.Annotated[t.Literal["\x00ftprep-never\x00"], msgspec.Meta(description="never")]
# Empty strings fail the typed decode; whitespace-only ones are caught by the
# engine's `str.isspace` pass over the decoded texts (a regex constraint here
# would cost more than the whole decode).
NonBlank = t.Annotated[str, msgspec.Meta(min_length=1)]


# A dropped column may pass the fast path only when it holds nothing (S003
# names only values that hold data); anything else sends the row to `explain`.
NOTHING = t.Optional[t.Literal[""]]


def struct_type(name: str, fields: list[tuple[str, t.Any]], never: t.Iterable[str] = (),
                frozen: bool = True, droppable: t.Iterable[str] = ()) -> type[msgspec.Struct]:
    """Build the typed row struct for a mapping. Column names can be anything,
    so attributes are positional (`f0`, `f1`, ...: the trained columns) renamed
    to the real keys. A `never` column fails the decode whenever it is present,
    a `droppable` one unless it is null or ""."""
    spec: list[tuple[str, t.Any, t.Any]] = []
    taken = {c for c, _ in fields}
    for i, (column, typ) in enumerate(fields):
        spec.append((f"f{i}", typ, msgspec.field(name=column)))
    for j, column in enumerate(c for c in never if c not in taken):
        spec.append((f"n{j}", NEVER, msgspec.field(default=msgspec.UNSET, name=column)))
    taken.update(never)
    for j, column in enumerate(c for c in droppable if c not in taken):
        spec.append((f"d{j}", NOTHING, msgspec.field(default=msgspec.UNSET, name=column)))
    return msgspec.defstruct(name, spec, frozen=frozen, gc=False)
