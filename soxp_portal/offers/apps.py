from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "soxp_portal.offers"
    label = "offers"
    verbose_name = "Offers"
