"""Closing one offer: the close page and its steps (URLs under /console/offers/<slug>/close/)."""

from django.urls import path

from soxp_portal.console import closing_views

urlpatterns = [
    path("", closing_views.close, name="close"),
    path("accept/", closing_views.accept, name="close-accept"),
    path("cancel/", closing_views.cancel, name="close-cancel"),
    path("letters/", closing_views.letters, name="close-letters"),
    path("terminations/", closing_views.termination, name="close-termination"),
    path(
        "terminations/<identifier:employee_id>/correct/",
        closing_views.termination_correction,
        name="close-termination-correct",
    ),
    path("new-grants/", closing_views.new_grants, name="close-new-grants"),
    path("new-grants/price/", closing_views.correct_price, name="close-correct-price"),
    path("preview/", closing_views.work_out_preview, name="close-preview"),
    path("preview/<int:run_id>/", closing_views.preview_run, name="close-preview-run"),
    path("runs/<int:run_id>/", closing_views.step_run, name="close-run"),
    path("runs/<int:run_id>/restart/", closing_views.restart_run, name="close-run-restart"),
    path("tenders/", closing_views.tenders, name="close-tenders"),
    path("tenders/<identifier:employee_id>/letter/", closing_views.letter_pdf, name="close-letter"),
    path("granted/", closing_views.new_grant_list, name="close-granted"),
]
