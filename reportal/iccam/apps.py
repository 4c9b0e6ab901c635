from django.apps import AppConfig


class IccamConfig(AppConfig):
    name = "reportal.iccam"
    label = "iccam"
    verbose_name = "ICCAM exchange"

    def ready(self) -> None:
        # Routing (actions) asks whether an address hosted in a country can go through ICCAM; it must not import
        # this app (we read its takedowns), so we hand the check over.
        from reportal.actions import services as actions
        from reportal.iccam import services

        provide = getattr(actions, "provide_route", None)
        if provide is not None:
            provide("iccam", services.exports_to)
