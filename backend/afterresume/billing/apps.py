from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "afterresume.billing"
    label = "billing"

    def ready(self):
        # Imported here, not at the top: Django loads this module before the models exist.
        from afterresume.billing.ledger.posting import after_post_hook_register
        from afterresume.billing.payments.autotopup_triggers import auto_topup_on_posting

        # The ledger never imports payments: payments asks to hear of every posting.
        after_post_hook_register(auto_topup_on_posting)
