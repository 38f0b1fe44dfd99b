"""The profile's detail rows (education, 简历, 奖惩) and the photo: scoped pages that call
``cadres.person_details``. Writing takes what editing the person takes (views.register_writer_
required); another township's person or row is a 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres import person_details, selectors
from cadres.dates import record_values
from cadres.documents import document_response
from cadres.forms import (
    EducationRecordForm,
    ResumeLineForm,
    RewardPunishmentForm,
    submit,
)
from cadres.views import form_page, register_writer_required

# kind in the URL -> (form, the title's noun)
ROW_KINDS = {
    "education": (EducationRecordForm, gettext_lazy("an education record")),
    "resume": (ResumeLineForm, gettext_lazy("a resume line")),
    "reward": (RewardPunishmentForm, gettext_lazy("a reward or punishment")),
}


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=gettext_lazy("Photo"),
        help_text=gettext_lazy("A JPEG or PNG image, such as a 2-inch ID photo."),
    )


def _back(person_pk: int):
    return redirect("cadres:detail", pk=person_pk)


@register_writer_required
def detail_row_add(request, pk: int, kind: str):
    person = selectors.scoped_person(request.user, pk)
    form_class, noun = ROW_KINDS[kind]
    form = form_class(request.POST or None)
    if request.method == "POST" and submit(
        form,
        lambda _data: person_details.person_detail_add(
            actor=request.user, person=person, model=form_class.model, **form.row_values()
        ),
    ):
        messages.success(request, _("Saved."))
        return _back(person.pk)
    title = _("Add %(what)s for %(name)s") % {"what": noun, "name": person.name}
    return form_page(request, form, title, person=person)


@register_writer_required
def detail_row_edit(request, kind: str, pk: int):
    form_class, noun = ROW_KINDS[kind]
    row = selectors.scoped_detail_row(request.user, form_class.model, pk)
    initial = record_values(row, form_class.fields_order)
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and submit(
        form,
        lambda _data: person_details.person_detail_update(
            actor=request.user, row=row, **form.row_values()
        ),
    ):
        messages.success(request, _("The changes were saved."))
        return _back(row.person_id)
    title = _("Edit %(what)s of %(name)s") % {"what": noun, "name": row.person.name}
    return form_page(request, form, title, person=row.person)


@register_writer_required
def detail_row_delete(request, kind: str, pk: int):
    form_class, noun = ROW_KINDS[kind]
    row = selectors.scoped_detail_row(request.user, form_class.model, pk)
    form = forms.Form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and submit(
        form, lambda _data: person_details.person_detail_delete(actor=request.user, row=row) or row
    ):
        messages.success(request, _("Deleted."))
        return _back(row.person_id)
    title = _("Delete %(what)s of %(name)s: %(row)s") % {
        "what": noun,
        "name": row.person.name,
        "row": row,
    }
    return form_page(
        request,
        form,
        title,
        person=row.person,
        confirm=_("Delete this row? Its history is kept."),
        danger=True,
    )


@login_required
def photo(request, pk: int):
    """The person's photo, for the profile's image: scoped, and logged as every download."""
    return document_response(request, selectors.person_photo(request.user, pk))


@register_writer_required
def photo_upload(request, pk: int):
    person = selectors.scoped_person(request.user, pk)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and submit(
        form,
        lambda data: person_details.person_photo_store(
            actor=request.user, person=person, upload=data["photo"]
        ),
    ):
        messages.success(request, _("The photo was saved."))
        return _back(person.pk)
    return form_page(
        request, form, _("Photo of %(name)s") % {"name": person.name}, person=person, multipart=True
    )


@register_writer_required
def photo_delete(request, pk: int):
    person = selectors.scoped_person(request.user, pk)
    form = forms.Form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and submit(
        form,
        lambda _data: (
            person_details.person_photo_delete(actor=request.user, person=person) or person
        ),
    ):
        messages.success(request, _("The photo was removed."))
        return _back(person.pk)
    return form_page(
        request,
        form,
        _("Remove the photo of %(name)s") % {"name": person.name},
        person=person,
        confirm=_("Remove this photo?"),
        danger=True,
    )
