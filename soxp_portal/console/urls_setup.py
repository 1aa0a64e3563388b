"""Setting up offers: create, edit, extend, census upload (URLs under /console/)."""

urlpatterns: list = []
