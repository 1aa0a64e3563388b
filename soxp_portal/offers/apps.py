from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "soxp_portal.offers"
    label = "offers"
    verbose_name = "Offers"

    def ready(self) -> None:
        from django.urls import register_converter

        from soxp_portal.offers.identifiers import ConfirmationConverter, IdentifierConverter

        # Before any URLConf is read: the console's URLs carry employee ids (``<identifier:...>``), and
        # both the console's and the portal's carry confirmation numbers (``<confirmation:...>``).
        register_converter(IdentifierConverter, "identifier")
        register_converter(ConfirmationConverter, "confirmation")
