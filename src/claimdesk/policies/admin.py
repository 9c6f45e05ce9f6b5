from django.contrib import admin

from claimdesk.policies.models import (
    BankAccount,
    Beneficiary,
    Clause,
    Coverage,
    InsuredPerson,
    Policy,
    Product,
)


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0


class ClauseInline(admin.StackedInline):
    model = Clause
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "line", "active")
    list_filter = ("line", "active")
    search_fields = ("code", "name")
    inlines = [CoverageInline, ClauseInline]


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    list_display = ("product", "article", "title", "kind")
    list_filter = ("product", "kind")
    search_fields = ("title", "text")


class InsuredInline(admin.TabularInline):
    model = InsuredPerson
    extra = 0


class BeneficiaryInline(admin.TabularInline):
    model = Beneficiary
    extra = 0


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("number", "product", "holder", "start", "end", "sum_insured", "status")
    list_filter = ("product", "status")
    search_fields = ("number", "holder__username", "holder__last_name", "vehicle_plate")
    raw_id_fields = ("holder",)
    inlines = [InsuredInline, BeneficiaryInline]


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    list_display = ("owner", "bank_name", "account_name", "masked", "is_default")
    search_fields = ("owner__username", "account_name")
    raw_id_fields = ("owner",)

    @admin.display(description="account")
    def masked(self, obj: BankAccount) -> str:
        return str(obj)
