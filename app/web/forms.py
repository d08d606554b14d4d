"""Binding submitted HTML forms to pydantic models, with errors keyed by field for the template."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.errors import DomainError
from app.i18n import N_, _

FormModel = TypeVar("FormModel", bound=BaseModel)

_MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "string_too_long": N_("This is too long."),
    "int_parsing": N_("Enter a whole number."),
    "greater_than_equal": N_("Enter a number that is not negative."),
    "date_from_datetime_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_parsing": N_("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": N_("Enter a date and time as YYYY-MM-DD HH:MM."),
    "time_parsing": N_("Enter a time as HH:MM."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
}


@dataclass
class BoundForm(Generic[FormModel]):
    """What the user typed (to show again), the parsed value when valid, and errors by field name."""

    data: dict[str, Any]
    value: FormModel | None = None
    errors: dict[str, str] = field(default_factory=dict)
    result: Any = None

    @property
    def is_valid(self) -> bool:
        return self.value is not None and not self.errors

    def add_error(self, name: str, message: str) -> None:
        self.errors[name] = message
        self.value = None


def form_data_to_dict(data: FormData | dict[str, Any], multi: tuple[str, ...] = ()) -> dict[str, Any]:
    if isinstance(data, dict):
        return dict(data)
    values: dict[str, Any] = {}
    for key in data:
        if key == "csrf_token":
            continue
        items = [item for item in data.getlist(key) if isinstance(item, str)]
        values[key] = items if key in multi else (items[-1] if items else "")
    return values


def bind_form(
    model: type[FormModel],
    data: FormData | dict[str, Any],
    *,
    multi: tuple[str, ...] = (),
    context: dict[str, Any] | None = None,
) -> BoundForm[FormModel]:
    """Empty strings count as "not given", so optional fields may be left blank."""
    submitted = form_data_to_dict(data, multi)
    cleaned = {
        key: value for key, value in submitted.items() if not (isinstance(value, str) and value.strip() == "")
    }
    cleaned = {key: value.strip() if isinstance(value, str) else value for key, value in cleaned.items()}
    bound: BoundForm[FormModel] = BoundForm(data=submitted)
    try:
        bound.value = model.model_validate(cleaned, context=context)
    except ValidationError as error:
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else "__all__"
            bound.errors.setdefault(name, _error_message(item))
    return bound


def submit_form(
    model: type[FormModel],
    data: FormData | dict[str, Any],
    action: Callable[[FormModel], Any],
    *,
    multi: tuple[str, ...] = (),
    context: dict[str, Any] | None = None,
) -> BoundForm[FormModel]:
    """Binds the form and, when it is valid, runs the action (one service call) and keeps its result.

    A rule the action breaks (DomainError) becomes the error of the field it names, so the route shows
    the form again; the service saved nothing.
    """
    bound = bind_form(model, data, multi=multi, context=context)
    if bound.value is not None:
        try:
            bound.result = action(bound.value)
        except DomainError as error:
            bound.add_error(error.field or "__all__", error.message)
    return bound


def _error_message(item: Any) -> str:
    kind = item.get("type", "")
    if kind == "value_error":
        # Our validators raise ValueError with a message already in the user's words.
        message = str(item.get("ctx", {}).get("error", item.get("msg", "")))
        return message
    return _(_MESSAGES.get(kind, "Enter a valid value."))
