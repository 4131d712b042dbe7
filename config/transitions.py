"""State machines: a status field plus one transition table per model (policies, claims). A move
is a guarded UPDATE ... WHERE status = <from> whose row count is checked (healthchecks'
sendalerts), with its event row in the same transaction."""

from django.db import models, transaction

from config.errors import ConflictError
from config.events import StatusEvent


def status_event(
    *,
    row: models.Model,
    event_model: type[StatusEvent],
    actor: str,
    reason: str = "",
    from_status: str | None = None,
    to_status: str | None = None,
) -> StatusEvent:
    """The event row of a change to `row` (by default one that keeps its status: a note)."""
    reason_length = event_model._meta.get_field("reason").max_length
    return event_model.objects.create(
        **{row._meta.model_name: row},
        from_status=row.status if from_status is None else from_status,
        to_status=row.status if to_status is None else to_status,
        actor=actor,
        reason=reason[:reason_length],
    )


def guarded_update(*, row: models.Model, status: str, changes: dict, conflict: ConflictError):
    """UPDATE the row WHERE it is still in `status`; `conflict` if it no longer is (someone
    else acted on it first: nothing is written). The caller's transaction is aborted with it."""
    if type(row)._default_manager.filter(pk=row.pk, status=status).update(**changes) != 1:
        raise conflict
    for name, value in changes.items():
        setattr(row, name, value)


def status_move(
    *,
    row: models.Model,
    transitions: dict[str, frozenset[str]],
    event_model: type[StatusEvent],
    to_status: str,
    actor: str,
    reason: str = "",
    changes: dict | None = None,
) -> None:
    """Move `row` along one edge of its transition table, with its event row.

    Refused (409 invalid_transition) if the table has no such edge, and (409
    <model>_state_changed) if another process moved the row first. No savepoint: a refused move
    aborts the transaction it is part of; a caller that goes on after one gives the move its
    own atomic block.
    """
    from_status = row.status
    name = row._meta.model_name
    if to_status not in transitions[from_status]:
        raise ConflictError(
            "invalid_transition", f"A {name} cannot go from {from_status} to {to_status}."
        )
    with transaction.atomic(savepoint=False):
        guarded_update(
            row=row,
            status=from_status,
            changes={"status": to_status, **(changes or {})},
            conflict=ConflictError(
                f"{name}_state_changed",
                f"{name.capitalize()} {row.pk} is no longer {from_status}: "
                "someone else acted on it first.",
            ),
        )
        status_event(
            row=row,
            event_model=event_model,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason,
        )
