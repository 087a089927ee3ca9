"""The drive app's input, parsed by forms: the pages' POST bodies and the upload API's JSON.

Names are not judged here: the PDS's name rules give the message the person sees."""

from __future__ import annotations

from typing import Any

from django import forms

from files.errors import InvalidInput
from files.services import MAX_ALL, OPERATIONS

ROOT = "root"
# As many as one "all in this folder" operation does, so that its Undo can send them back.
MAX_SELECTION = MAX_ALL


class IdListField(forms.Field):
    """Every value of a repeated field (`ids=a&ids=b`), blanks dropped."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if value is not None and not isinstance(value, list | tuple):
            raise forms.ValidationError("must be a list of ids")
        if any(not isinstance(item, str) for item in value or ()):
            raise forms.ValidationError("must be a list of ids")
        return [item for item in value or () if item]


class IdField(forms.CharField):
    """A file, folder or share id as sent: never stripped or judged here."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, strip=False, **kwargs)


class FolderCreateForm(forms.Form):
    parent_id = IdField(empty_value=ROOT)
    name = forms.CharField(required=False)


class RenameForm(forms.Form):
    name = forms.CharField(required=False)


class SelectionForm(forms.Form):
    """One form for the selection: trash, restore, delete forever, move or copy."""

    operation = forms.ChoiceField(choices=[(operation, operation) for operation in OPERATIONS])
    ids = IdListField(required=False)
    all_in = IdField()  # or every item of this folder ("select all N in this folder")
    target_id = IdField()  # blank for move and copy: pick a folder first


class ZipForm(forms.Form):
    ids = IdListField(required=False)
    all_in = IdField()  # or every item of this folder


class ActionForm(forms.Form):
    """The folder page's selection as JSON: some `ids`, or every item `all_in` a folder."""

    ids = IdListField(required=False)
    all_in = IdField()
    target_id = IdField()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("ids")) == bool(data.get("all_in")):
            raise forms.ValidationError("Select one or more items first.")
        if len(data.get("ids") or ()) > MAX_SELECTION:
            raise forms.ValidationError(f"Select at most {MAX_SELECTION} items at once.")
        return data


class RenameApiForm(forms.Form):
    file_id = IdField()
    name = forms.CharField(required=False)


class ShareCreateForm(forms.Form):
    password = forms.CharField(required=False, strip=False)
    expires_in_days = forms.IntegerField(required=False)
    download_limit = forms.IntegerField(required=False)

    def clean_expires_in_days(self) -> int:
        return max(0, min(self.cleaned_data["expires_in_days"] or 0, 3650))

    def clean_download_limit(self) -> int:
        return max(0, self.cleaned_data["download_limit"] or 0)


class SharePasswordForm(forms.Form):
    password = forms.CharField(required=False, strip=False)


class UploadStartForm(forms.Form):
    parent_id = IdField(empty_value=ROOT)
    name = forms.CharField(required=False, strip=False)
    size = forms.IntegerField(required=False)
    part_count = forms.IntegerField(required=False)
    check_name_mode = forms.CharField(required=False, strip=False, empty_value="refuse")
    pre_hash = forms.CharField(required=False, strip=False)
    content_hash = forms.CharField(required=False, strip=False)
    proof_code = forms.CharField(required=False, strip=False, empty_value=None)

    def clean_size(self) -> int:
        return self.cleaned_data["size"] or 0

    def clean_part_count(self) -> int:
        return self.cleaned_data["part_count"] or 1

    def clean_proof_code(self) -> str | None:
        # Absent means no proof was asked for; an empty file's proof is the empty string.
        raw = self.data.get("proof_code")
        return raw if isinstance(raw, str) else None


class FolderEnsureForm(forms.Form):
    parent_id = IdField(empty_value=ROOT)
    name = forms.CharField(required=False, strip=False)


def parsed(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned data, or InvalidInput naming the first field that did not parse."""
    if form.is_valid():
        return form.cleaned_data
    field, messages = next(iter(form.errors.items()))
    raise InvalidInput(f"{field}: {messages[0]}" if field != "__all__" else str(messages[0]))
