from django.urls import path

from soxp_portal.portal import views

app_name = "portal"

urlpatterns = [
    path("offers/<slug:slug>/", views.offer_home, name="offer"),
    path("offers/<slug:slug>/grants/", views.grants, name="grants"),
    path("offers/<slug:slug>/how-it-works/", views.how_it_works, name="how-it-works"),
    path("offers/<slug:slug>/how-it-works/pdf/", views.how_it_works_pdf, name="how-it-works-pdf"),
    path("offers/<slug:slug>/compare/", views.compare, name="compare"),
    path("offers/<slug:slug>/compare/pdf/", views.compare_pdf, name="compare-pdf"),
    path("offers/<slug:slug>/elect/", views.elect, name="elect"),
    path("offers/<slug:slug>/elect/confirm/", views.confirm, name="confirm"),
    path("offers/<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("offers/<slug:slug>/elections/", views.history, name="history"),
    path("offers/<slug:slug>/elections/<confirmation:confirmation>/", views.election, name="election"),
    path(
        "offers/<slug:slug>/elections/<confirmation:confirmation>/pdf/",
        views.election_pdf,
        name="election-pdf",
    ),
    path("offers/<slug:slug>/documents/<int:pk>/", views.offer_document, name="document"),
    path("offers/<slug:slug>/letters/<int:pk>/", views.promise_letter, name="promise-letter"),
]
