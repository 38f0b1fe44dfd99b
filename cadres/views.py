"""The register's pages: cadre list, profile (干部信息表) and the writes, all township-scoped.

Who may write: township staff and township reviewers in their own townships, and
system administrators (the model permissions in REGISTER_WRITE_PERMS). District
reviewers and joint-review departments only read: write pages answer 403.

凡进必审: no page here starts a post for a township role. Their 提名 (the 任职 and 新建
pages) sends them to vetting's nomination form, prefilled. District reviewers and the
system administrator use the same pages for 存量登记: a post held before the system,
recorded unvetted.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cadres import cadre_form, selectors, services
from cadres.dates import partial_date, record_values
from cadres.filters import PersonFilter
from cadres.forms import (
    CadreCreateForm,
    PersonForm,
    PostEndForm,
    PostForm,
    RelativeForm,
    submit,
)
from cadres.listing import REVEAL_PERM, Col, ListSpec, list_response
from cadres.models import AccessLogEntry, Post
from cadres.paper import Reader, batch_response, paper_response
from cadres.profile import render_profile_sections
from cadres.register_export import REGISTER_SHEETS


def register_writer_required(view):
    """403 for roles that only read the register; checked before the object (404) lookup."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not services.may_write_register(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def post_starter_required(view):
    """The 任职 and 新建 pages: roles that register existing posts, or that nominate (township
    roles, who may write the register); 403 for the others, before the object lookup."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (services.may_register_existing_posts(user) or services.may_write_register(user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _nomination_url(**prefill) -> str:
    # By URL name: the register does not import vetting.
    query = urlencode({key: value for key, value in prefill.items() if value})
    return reverse("vetting:case_new") + (f"?{query}" if query else "")


def _filtered(request) -> PersonFilter:
    return PersonFilter(
        request.GET or None, queryset=selectors.person_list(request.user), request=request
    )


REGISTER_SPEC = ListSpec(
    title=gettext_lazy("Cadre register"),
    columns=[
        Col(pgettext_lazy("person", "Name"), key="name"),
        Col(gettext_lazy("Sex")),
        Col(gettext_lazy("Age"), key="birth"),
        Col(gettext_lazy("ID number")),
        Col(gettext_lazy("Political status")),
        Col(gettext_lazy("Education")),
        Col(gettext_lazy("Current posts"), key="village"),
        Col(gettext_lazy("Origin")),
        Col(gettext_lazy("Term ends"), key="term_end"),
    ],
    # The page's columns are the register's; the export is a roster workbook (register_export).
    sheets=REGISTER_SHEETS,
    filename="cadres-{date}.xlsx",
    template="cadres/person_list.html",
    reveal_ids=True,
    context_name="people",
    language="zh-hans",  # the import reads the Chinese labels, whatever the user's language
)


def _next_term_ends(people) -> None:
    for person in people:
        person.next_term_end = min(
            (partial_date(post, "term_end") for post in person.current_posts),
            key=lambda end: end.date,
            default=None,
        )


def _forms_query(filterset: PersonFilter) -> str:
    """The cadre forms' query for the township or village the list is filtered to, if one."""
    if not (filterset.is_bound and filterset.form.is_valid()):
        return ""
    township, village = filterset.form.cleaned_data.get("township"), None
    if village := filterset.form.cleaned_data.get("village"):
        township = village.township
    if township is None:
        return ""
    return urlencode({"township": township.code, "village": village.code if village else ""})


@login_required
def person_list(request):
    """The register, sorted by the filterset (former cadres last, names in pinyin order).
    Its export, every page as filtered, is a roster workbook that the roster import reads
    back unchanged (full ID numbers only for permitted users); it reads the relatives too."""
    filterset = _filtered(request)
    return list_response(
        request,
        spec=REGISTER_SPEC,
        filterset=filterset,
        queryset=filterset.qs.prefetch_related("relatives"),
        pages=filterset.pages(),
        prepare=_next_term_ends,
        extra={
            "can_write": services.may_write_register(request.user),
            "can_register_posts": services.may_register_existing_posts(request.user),
            "forms_query": _forms_query(filterset),
        },
    )


@login_required
def person_detail(request, pk: int):
    person = selectors.person_profile(request.user, pk)
    return render(
        request,
        "cadres/person_detail.html",
        {
            "person": person,
            "history": selectors.person_history(person),
            "sections": render_profile_sections(request, person),
            "can_write": services.may_write_register(request.user),
            "can_register_posts": services.may_register_existing_posts(request.user),
            "can_reveal": request.user.has_perm(REVEAL_PERM),
            "strict_control_events": person.strict_control_events.select_related("actor"),
            "can_manage_strict_control": request.user.has_perm(services.STRICT_CONTROL_PERM),
        },
    )


REGISTRATION_INTRO = gettext_lazy(
    "This records a post held before the system. It starts unvetted and shows “not "
    "vetted” until a supplementary review is approved. A new post starts only by "
    "appointing an approved candidate."
)


def form_page(request, form, title: str, **context) -> TemplateResponse:
    return TemplateResponse(request, "cadres/form.html", {"form": form, "title": title, **context})


@post_starter_required
def person_create(request):
    """存量登记 of a cadre with the post they held before the system; township roles nominate."""
    if not services.may_register_existing_posts(request.user):
        return redirect(_nomination_url())
    form = CadreCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and (
        person := submit(
            form,
            lambda _data: services.cadre_create(
                actor=request.user,
                person=form.person_values(),
                post=form.post_values(),
                origin=Post.Origin.REGISTRATION,
            ),
        )
    ):
        messages.success(request, _("%(name)s was registered.") % {"name": person.name})
        return redirect("cadres:detail", pk=person.pk)
    return form_page(request, form, _("Register an existing cadre"), intro=REGISTRATION_INTRO)


@register_writer_required
def person_edit(request, pk: int):
    person = selectors.scoped_person(request.user, pk)
    initial = record_values(person, PersonForm.initial_fields)
    form = PersonForm(request.POST or None, user=request.user, person=person, initial=initial)
    if request.method == "POST" and submit(
        form,
        lambda _data: services.person_update(
            actor=request.user, person=person, **form.person_values(person)
        ),
    ):
        messages.success(request, _("The changes were saved."))
        return redirect("cadres:detail", pk=person.pk)
    return form_page(request, form, _("Edit %(name)s") % {"name": person.name}, person=person)


@post_starter_required
def post_appoint(request, pk: int):
    """存量登记 of a post held before the system; township roles are sent to 提名, with the
    person and the village of their current post (or home village) filled in."""
    person = selectors.scoped_person(request.user, pk)
    if not services.may_register_existing_posts(request.user):
        current = person.posts.serving().order_by("-term_start", "pk").first()
        return redirect(
            _nomination_url(
                person=person.pk,
                village=current.village_id if current else person.home_village_id,
            )
        )
    form = PostForm(request.POST or None, user=request.user)
    if request.method == "POST" and submit(
        form,
        lambda _data: services.post_appoint(
            actor=request.user,
            person=person,
            origin=Post.Origin.REGISTRATION,
            **form.post_values(),
        ),
    ):
        messages.success(request, _("The existing post was registered; it shows as not vetted."))
        return redirect("cadres:detail", pk=person.pk)
    return form_page(
        request,
        form,
        _("Register an existing post of %(name)s") % {"name": person.name},
        person=person,
        intro=REGISTRATION_INTRO,
    )


@register_writer_required
def post_end(request, pk: int):
    post = selectors.scoped_post(request.user, pk)
    if (
        post.ended_on is None
        and services.is_secretary_post(post)
        and not request.user.has_perm(services.END_SECRETARY_PERM)
    ):
        # The district approves a secretary's departure first: the township asks for it.
        messages.info(
            request,
            _("A village party secretary leaves only with the district's prior approval."),
        )
        return redirect("cadres:records:change_create", post_pk=post.pk)
    form = PostEndForm(request.POST or None)
    if request.method == "POST" and submit(
        form, lambda data: services.post_end(actor=request.user, post=post, **data)
    ):
        messages.success(request, _("The post was ended."))
        return redirect("cadres:detail", pk=post.person_id)
    return form_page(
        request,
        form,
        _("End the post %(post)s of %(name)s") % {"post": post, "name": post.person.name},
        person=post.person,
        confirm=_("End this post? This cannot be undone."),
        danger=True,
    )


@register_writer_required
def relative_add(request, pk: int):
    person = selectors.scoped_person(request.user, pk)
    form = RelativeForm(request.POST or None)
    if request.method == "POST" and submit(
        form,
        lambda _data: services.relative_add(
            actor=request.user, cadre=person, **form.relative_values()
        ),
    ):
        messages.success(request, _("The family member was added."))
        return redirect("cadres:detail", pk=person.pk)
    return form_page(
        request, form, _("Add a family member of %(name)s") % {"name": person.name}, person=person
    )


@register_writer_required
def relative_edit(request, pk: int):
    relative = selectors.scoped_relative(request.user, pk)
    initial = record_values(relative, RelativeForm.initial_fields)
    form = RelativeForm(request.POST or None, relative=relative, initial=initial)
    if request.method == "POST" and submit(
        form,
        lambda _data: services.relative_update(
            actor=request.user, relative=relative, **form.relative_values(relative)
        ),
    ):
        messages.success(request, _("The changes were saved."))
        return redirect("cadres:detail", pk=relative.cadre_id)
    return form_page(
        request,
        form,
        _("Edit the family member %(name)s") % {"name": relative.name},
        person=relative.cadre,
    )


@never_cache
@require_POST
@login_required
def reveal_id_number(request, kind: str, pk: int):
    """One full ID number, for an htmx swap; every reveal goes into the access log."""
    if not request.user.has_perm(REVEAL_PERM):
        raise PermissionDenied
    if kind == "person":
        record = selectors.scoped_person(request.user, pk)
    else:
        record = selectors.scoped_relative(request.user, pk)
    services.access_log_append(
        user=request.user, action=AccessLogEntry.Action.REVEAL_ID, obj=record
    )
    return render(request, "cadres/_id_revealed.html", {"id_number": record.id_number})


@login_required
def person_form(request, pk: int):
    """The cadre information form of one person: print page, or .docx with ?format=docx."""
    person = cadre_form.cadre_form_person(request.user, pk)
    reader = Reader.of(request.user)
    paper = cadre_form.cadre_paper(person, reader)
    return paper_response(
        request,
        paper,
        obj=person,
        filename=_("Village cadre information form %(name)s.docx") % {"name": person.name},
        reader=reader,
        docx_url=f"{request.path}?format=docx",
        back_url=reverse("cadres:detail", args=[person.pk]),
    )


@login_required
def forms_batch(request):
    """The forms of every serving cadre of ?township=CODE (and &village=CODE)."""
    params = {
        "township": request.GET.get("township", ""),
        "village": request.GET.get("village", ""),
    }
    batch = cadre_form.cadre_forms_batch(request.user, **params)
    return batch_response(
        request,
        batch,
        title=_("Village cadre information forms"),
        job_kind=cadre_form.JOB,
        params=params,
    )
