"""Setting up offers: create, edit, extend, census upload (URLs under /console/).

Everything sits under ``setup/`` so that no address here can be read as an offer's slug by the watch
pages at ``offers/<slug>/`` (an offer may well be called "new").
"""

from django.urls import path

from soxp_portal.console import second_factors, setup

urlpatterns = [
    path("setup/offers/new/", setup.offer_create, name="offer-create"),
    path("setup/offers/<slug:slug>/terms/", setup.offer_edit, name="offer-edit"),
    path("setup/offers/<slug:slug>/extend/", setup.offer_extend, name="offer-extend"),
    path("setup/offers/<slug:slug>/documents/", setup.offer_documents, name="offer-documents"),
    path("setup/offers/<slug:slug>/ratios/", setup.offer_ratios, name="offer-ratios"),
    path("setup/offers/<slug:slug>/documents/<int:pk>/", setup.offer_document, name="offer-document"),
    path(
        "setup/offers/<slug:slug>/documents/how-it-works/",
        setup.offer_how_it_works_pdf,
        name="offer-how-it-works-pdf",
    ),
    path(
        "setup/offers/<slug:slug>/documents/<int:pk>/delete/",
        setup.offer_document_delete,
        name="offer-document-delete",
    ),
    path("setup/census/", setup.census, name="census"),
    path("setup/census/confirm/", setup.census_confirm, name="census-confirm"),
    path("setup/census/errors/<uuid:key>.csv", setup.census_errors, name="census-errors"),
    path("setup/invitations/", setup.invitations, name="invitations"),
    path("setup/second-factors/", second_factors.second_factors, name="second-factors"),
    path(
        "setup/second-factors/<int:pk>/reset/",
        second_factors.second_factor_reset,
        name="second-factor-reset",
    ),
]
